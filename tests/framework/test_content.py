"""The shipped framework content: complete, faithful to the seed, and strictly validated."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from framework import ContentError, load
from framework.model import CONTENT_DIR, load_from

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_f3e4918e6f39629d.txt"
SEED_BUDGETS = {0: 1, 1: 5, 2: 3, 3: 3, 4: 3, 5: 10, 6: 5, 7: 5, 8: None, 9: None}


def test_sections_have_the_seed_budgets_in_order() -> None:
    fw = load()
    assert [s.number for s in fw.sections] == list(range(10))
    assert {s.number: s.budget_minutes for s in fw.sections} == SEED_BUDGETS
    assert [s.number for s in fw.sections if s.optional] == [8, 9]
    for section in fw.sections:
        assert section.goal and section.openings and section.items


def test_every_seed_subsection_is_the_source_of_an_item() -> None:
    fw = load()
    sources = {item.source for s in fw.sections for item in s.items}
    expected = {"0"} | {f"{sec}.{sub}" for sec, count in
                        {1: 6, 2: 2, 3: 6, 4: 4, 5: 11, 6: 6, 7: 5, 8: 5, 9: 9}.items()
                        for sub in range(1, count + 1)}
    assert len(expected) == 55  # 54 numbered subsections plus section 0
    assert expected <= sources
    assert fw.subsection_sources() == expected


@pytest.mark.skipif(not SEED.exists(), reason="the seed lives in shared/ beside the project")
def test_subsection_list_matches_the_seed_text() -> None:
    numbered = set(re.findall(r"^\s*-\s*(\d\.\d{1,2})[\s.]", SEED.read_text(encoding="utf-8"), re.M))
    assert numbered == load().subsection_sources() - {"0"}


def test_scenario_bank_is_large_and_complete() -> None:
    fw = load()
    assert len(fw.scenarios) >= 40
    for scenario in fw.scenarios:
        assert scenario.scale.users and scenario.scale.requests_per_second and scenario.scale.data_size
        assert set(scenario.twists) <= set(range(10))
    assert fw.scenario("url-shortener").title


def test_items_have_everything_a_scorer_and_interviewer_need() -> None:
    for section in load().sections:
        for item in section.items:
            assert item.probe.endswith("?"), item.id
            assert len(item.signals) >= 3
            assert 0 < item.weight <= 3


def _copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def test_malformed_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    content = _copy_content(tmp_path)
    path = content / "section_3.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  goal:", "  gaol:", 1), encoding="utf-8")
    with pytest.raises(ContentError) as excinfo:
        load_from(content)
    message = str(excinfo.value)
    assert "section_3.yaml" in message
    assert "gaol" in message or "goal" in message


def test_bad_weight_and_bad_yaml_are_reported(tmp_path: Path) -> None:
    content = _copy_content(tmp_path)
    path = content / "section_5.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"weight: [0-9.]+", "weight: 9", text, count=1), encoding="utf-8")
    with pytest.raises(ContentError, match=r"section_5\.yaml: .*weight"):
        load_from(content)
    (content / "scenarios.yaml").write_text("scenarios: [\n  - id: x\n", encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=r"scenarios\.yaml: not valid YAML"):
        load_from(content)


def test_every_item_says_from_which_level_it_is_expected() -> None:
    framework = load()
    for section in framework.sections:
        levels = {item.level for item in section.items}
        assert levels <= {"mid", "senior", "staff"}
        assert "mid" in levels, f"section {section.number} expects nothing of a mid-level candidate"
    staff_item = framework.item("s6-specialized-stores")
    assert staff_item.level == "staff"
    assert not staff_item.expected_at("senior") and staff_item.expected_at("staff")


def test_a_bad_or_missing_level_is_reported_with_the_file(tmp_path: Path) -> None:
    content = _copy_content(tmp_path)
    path = content / "section_6.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("level: staff", "level: principal", 1), encoding="utf-8")
    with pytest.raises(ContentError, match=r"section_6\.yaml: .*level"):
        load_from(content)
    path.write_text(re.sub(r"\n +level: [a-z]+", "", text, count=1), encoding="utf-8")
    with pytest.raises(ContentError, match=r"section_6\.yaml: .*level"):
        load_from(content)
    path.write_text(text.replace("level: mid", "level: senior"), encoding="utf-8")
    with pytest.raises(ContentError, match=r"section_6\.yaml: .*mid"):
        load_from(content)


def test_cli_export_prints_everything_as_json() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "framework", "export", "--format", "json"],
                            capture_output=True, text=True, check=True)
    data = json.loads(result.stdout)
    assert [s["budget_minutes"] for s in data["sections"]] == [SEED_BUDGETS[n] for n in range(10)]
    assert all(item["source"] for s in data["sections"] for item in s["items"])
    assert len(data["scenarios"]) >= 40


def test_cli_show_prints_one_section_and_rejects_unknown() -> None:
    shown = subprocess.run([sys.executable, "-m", "bot", "framework", "show", "6"],
                           capture_output=True, text=True, check=True)
    assert shown.stdout.startswith("6. Data Storage & Retrieval (5 min)")
    assert "[6.3]" in shown.stdout
    bad = subprocess.run([sys.executable, "-m", "bot", "framework", "show", "12"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "no section" in bad.stderr
    assert "Traceback" not in bad.stderr
