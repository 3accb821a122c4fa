"""classify per workspace: the shared base model until a workspace corrects it, then a
model of its own (base examples + only its corrections), trained by workers, never in a
web request; a corrected text takes its correction at once. Workspaces never see each
other's corrections."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from smmdesk.accounts.services import workspace_create
from smmdesk.nlp import service
from smmdesk.nlp.model import Example, cache_dir, fingerprint, training_set
from smmdesk.nlp.service import (
    classify,
    correction_add,
    corrections,
    text_key,
    workspace_model_train,
    workspaces_corrected,
)

pytestmark = pytest.mark.django_db

TEXT = "Зерно сорок два, будь ласка"
OTHER = "Скільки коштує доставка до Львова?"
FIX = Example(TEXT, "be", "positive", "spam", True, weight=2.0)
SURE = {"language": 1.0, "sentiment": 1.0, "intent": 1.0, "toxic": 1.0}


@pytest.fixture(autouse=True)
def no_models_held(monkeypatch):
    monkeypatch.setattr(service, "_held", OrderedDict())


@pytest.fixture
def neighbour(owner):
    return workspace_create(name="Chai House", owner=owner)


def fix(workspace, owner, text: str = TEXT, **labels):
    values = {"language": "be", "sentiment": "positive", "intent": "spam", "toxic": True}
    return correction_add(workspace=workspace, text=text, created_by=owner,
                          **(values | labels))


def labels(p) -> tuple:
    return p.language, p.sentiment, p.intent, p.toxic


def test_a_workspaces_correction_changes_its_results_and_no_one_elses(
        small_labelled, fits, workspace, neighbour, owner):
    [before] = classify([TEXT])
    assert labels(before) != ("be", "positive", "spam", True)
    fix(workspace, owner)

    [ours] = classify([TEXT], workspace=workspace, may_train=True)
    [theirs] = classify([TEXT], workspace=neighbour, may_train=True)
    [shared] = classify([TEXT])
    assert labels(ours) == ("be", "positive", "spam", True) and ours.confidence == SURE
    assert theirs.as_dict() == shared.as_dict() == before.as_dict()
    # one base model, one model of ours, trained on the base plus our fix only
    assert len(fits) == 2 and fits[1] == training_set([FIX])
    learned = workspace_model_train(workspace=workspace).predict([TEXT])[0]
    assert (learned.language, learned.intent, learned.toxic) == ("be", "spam", True)
    assert len(fits) == 2 and workspace_model_train(workspace=neighbour) is None


def test_before_its_model_is_trained_a_workspace_gets_the_base_model_and_its_fixes(
        small_labelled, fits, workspace, owner):
    """A web request never trains: the corrected text is answered from the correction,
    everything else from the base model."""
    [base_other] = classify([OTHER])
    fix(workspace, owner)
    spaced, other = classify(["  зерно СОРОК два,\n будь ласка ", OTHER], workspace=workspace)
    assert labels(spaced) == ("be", "positive", "spam", True) and spaced.confidence == SURE
    assert other.as_dict() == base_other.as_dict()
    assert len(fits) == 1  # the base model only


def test_a_correction_of_one_label_makes_only_that_label_sure(small_labelled, fits,
                                                               workspace, owner):
    [before] = classify([TEXT])
    correction_add(workspace=workspace, text=TEXT, language=before.language,
                   sentiment=before.sentiment, intent="spam", toxic=before.toxic,
                   created_by=owner, tasks=["intent"])
    [after] = classify([TEXT], workspace=workspace)
    assert after.intent == "spam" and after.confidence["intent"] == 1.0
    assert after.sentiment == before.sentiment
    assert after.confidence["sentiment"] == before.confidence["sentiment"]


def test_the_newest_correction_of_a_text_wins_and_the_labels_set_add_up(workspace, owner):
    correction_add(workspace=workspace, text=TEXT, language="uk", sentiment="neutral",
                   intent="purchase", toxic=False, created_by=owner, tasks=["intent"])
    correction_add(workspace=workspace, text=TEXT.upper(), language="uk",
                   sentiment="positive", intent="purchase", toxic=False, created_by=owner,
                   tasks=["sentiment"])
    [(example, tasks)] = service.corrected(workspace=workspace).values()
    assert example == Example(TEXT.upper(), "uk", "positive", "purchase", False, weight=2.0)
    assert tasks == {"intent", "sentiment"}
    assert corrections(workspace=workspace) == [example]
    assert workspaces_corrected() == [workspace]


def test_a_workspace_model_is_kept_on_disk_beside_the_base_model(small_labelled, fits,
                                                                 workspace, owner):
    classify([TEXT])
    fix(workspace, owner)
    classify([TEXT], workspace=workspace, may_train=True)
    base_file = f"fast-{fingerprint(training_set(), 'fast')}.joblib"
    ours = f"ws{workspace.pk}-fast-{fingerprint(training_set([FIX]), 'fast')}.joblib"
    assert sorted(p.name for p in cache_dir().glob("*.joblib")) == [base_file, ours]

    service._held.clear()  # another process: it loads what a worker trained
    classify([OTHER], workspace=workspace)
    assert len(fits) == 2 and list(service._held) == [(workspace.pk, "fast")]


def test_a_new_correction_applies_at_once_and_is_learned_when_training_is_due(
        small_labelled, fits, workspace, owner, monkeypatch):
    fix(workspace, owner)
    classify([TEXT], workspace=workspace, may_train=True)
    trained = len(fits)
    fix(workspace, owner, text=OTHER, intent="complaint", sentiment="negative", toxic=False)

    # trained moments ago: even a worker goes on with that model for now
    [other] = classify([OTHER], workspace=workspace, may_train=True)
    assert (other.intent, other.confidence["intent"]) == ("complaint", 1.0)
    assert len(fits) == trained

    monkeypatch.setattr(service, "RETRAIN_AFTER_S", 0)  # its time has come
    classify([OTHER], workspace=workspace)  # a web request still never trains
    assert len(fits) == trained
    classify([OTHER], workspace=workspace, may_train=True)
    assert len(fits) == trained + 1 and fits[-1][-2:] == [FIX, Example(
        OTHER, "be", "negative", "complaint", False, weight=2.0)]
    mine = sorted(p.name for p in cache_dir().glob(f"ws{workspace.pk}-*.joblib"))
    assert len(mine) == 1  # the stale one is gone


def test_after_a_restart_the_last_trained_model_serves_until_the_next_training(
        small_labelled, fits, workspace, owner):
    fix(workspace, owner)
    classify([TEXT], workspace=workspace, may_train=True)
    fix(workspace, owner, text=OTHER, intent="complaint")
    service._held.clear()  # a fresh process
    [other] = classify([OTHER], workspace=workspace, may_train=True)
    assert other.intent == "complaint" and len(fits) == 1
    assert service._held[(workspace.pk, "fast")].digest == \
        fingerprint(training_set([FIX]), "fast")
    workspace_model_train(workspace=workspace)  # ``smmdesk nlp train`` does not wait
    assert len(fits) == 2


def test_only_a_few_workspace_models_stay_in_memory(small_labelled, fits, workspace,
                                                    neighbour, owner, monkeypatch):
    monkeypatch.setattr(service, "WORKSPACE_MODELS_KEPT", 1)
    fix(workspace, owner)
    fix(neighbour, owner, intent="praise")
    classify([TEXT], workspace=workspace, may_train=True)
    classify([TEXT], workspace=neighbour, may_train=True)
    assert list(service._held) == [(neighbour.pk, "fast")]


def test_texts_match_whatever_their_case_width_and_spacing():
    assert text_key("  Зерно\tСОРОК  два ") == text_key("зерно сорок два") == "зерно сорок два"
    assert text_key("ｆｒｅｅ") == text_key("free")
    assert text_key("free coffee") != text_key("free coffee!")
