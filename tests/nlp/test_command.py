"""``smmdesk nlp classify | evaluate | train``."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command

from smmdesk.nlp import model
from smmdesk.nlp.model import Example, fingerprint, labelled, training_set
from smmdesk.nlp.models import Correction

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(monkeypatch, held_out_model):
    """The commands get the held-out model instead of training the full one (tens of
    seconds); the corrections they pass are recorded."""
    asked: list[tuple[str | None, list[Example]]] = []

    def get_model(variant=None, corrections=None):
        asked.append((variant, list(corrections or [])))
        return held_out_model

    monkeypatch.setattr("smmdesk.nlp.service.get_model", get_model)
    return asked


def run_classify(monkeypatch, stdin: str, *args) -> list[str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("nlp", "classify", *args, stdout=out)
    return out.getvalue().splitlines()


def test_classify_answers_each_json_line_with_a_json_line_in_order(monkeypatch, served):
    texts = ["Де моє замовлення? Третій тиждень чекаю, жах",
             "Thank you, the coffee is amazing! You are the best",
             "Колькі каштуе дастаўка ў Мінск?"]
    lines = run_classify(monkeypatch, "".join(json.dumps({"text": t, "id": i}) + "\n"
                                              for i, t in enumerate(texts)))
    answers = [json.loads(line) for line in lines]
    assert [(a["language"], a["sentiment"], a["intent"]) for a in answers] == [
        ("uk", "negative", "complaint"), ("en", "positive", "praise"),
        ("be", "neutral", "question")]
    for a in answers:
        assert set(a) == {"language", "sentiment", "intent", "toxic", "confidence"}
        assert a["toxic"] is False
        assert set(a["confidence"]) == {"language", "sentiment", "intent", "toxic"}
        assert all(0 <= c <= 1 for c in a["confidence"].values())
    assert served == [("fast", [])]  # the configured model, no corrections yet


def test_bad_lines_get_an_error_on_their_line_and_the_rest_go_through(monkeypatch, served):
    stdin = "\n".join([
        json.dumps({"text": "Скільки коштує доставка до Львова?"}),
        "",
        "not json at all",
        json.dumps({"message": "no text here"}),
        json.dumps({"text": 42}),
        json.dumps(["a list", "is not an object"]),
        json.dumps({"text": "   "}),
        "   ",
        json.dumps({"text": "ти ідіот, верніть гроші"}),
    ]) + "\n"
    answers = [json.loads(line) for line in run_classify(monkeypatch, stdin)]
    assert len(answers) == 9
    codes = [a["error"]["code"] if "error" in a else a["language"] for a in answers]
    assert codes == ["uk", "empty_line", "not_json", "no_text", "no_text", "no_text",
                     "empty_text", "empty_line", "uk"]
    for n, a in enumerate(answers, 1):
        if "error" in a:
            assert a["line"] == n and a["error"]["message"]
    assert answers[-1]["toxic"] is True


def test_a_line_separator_inside_a_text_does_not_split_the_line(monkeypatch, served):
    stdin = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n"
                    for t in ["Дякую!\u2028Все чудово", "Ok\x85fine\x0cthanks",
                              "How much is delivery to London?"])
    answers = [json.loads(line) for line in run_classify(monkeypatch, stdin)]
    assert len(answers) == 3
    assert not any("error" in a for a in answers)
    assert answers[2]["intent"] == "question"


def test_classify_handles_windows_line_ends_a_missing_last_newline_and_no_input(monkeypatch,
                                                                              served):
    stdin = json.dumps({"text": "Thank you!"}) + "\r\n\r\n" + json.dumps({"text": "Дякую"})
    answers = [json.loads(line) for line in run_classify(monkeypatch, stdin)]
    assert "language" in answers[0] and answers[1]["error"]["code"] == "empty_line"
    assert answers[2]["language"] == "uk" and len(answers) == 3
    assert run_classify(monkeypatch, "") == []


def test_classify_in_small_batches_keeps_the_order(monkeypatch, served):
    texts = [e.text for e in labelled("test")[:7]]
    stdin = "\n".join(json.dumps({"text": t}) for t in texts) + "\n\n"
    batched = run_classify(monkeypatch, stdin, "--batch", "2")
    whole = run_classify(monkeypatch, stdin)
    assert len(batched) == 8 and batched == whole
    assert json.loads(batched[-1])["error"]["code"] == "empty_line"


def test_classify_reads_as_the_workspace_taught_it(monkeypatch, served, workspace):
    """Without --workspace, no one's corrections; with it, that workspace's (its model is
    not trained yet, so the base model serves and the corrected text takes its fix)."""
    Correction.objects.create(workspace=workspace, text="Зерно 42", language="be",
                              sentiment="positive", intent="spam", toxic=True)
    line = json.dumps({"text": "Зерно 42"}) + "\n"
    [shared] = run_classify(monkeypatch, line, "--model", "fast")
    [ours] = run_classify(monkeypatch, line, "--model", "fast", "--workspace", workspace.slug)
    assert served == [("fast", []), ("fast", [])]
    assert json.loads(ours) == {"language": "be", "sentiment": "positive", "intent": "spam",
                                "toxic": True, "confidence": dict.fromkeys(
                                    ("language", "sentiment", "intent", "toxic"), 1.0)}
    assert json.loads(shared) != json.loads(ours)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no workspace 'nowhere'"):
        run_classify(monkeypatch, line, "--workspace", "nowhere")


ROW = re.compile(r"^(\w+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)"
                 r"\s+([\d.]+)\s+([\d.]+)$")


def test_evaluate_trains_on_the_train_split_and_scores_each_language(monkeypatch,
                                                                     held_out_model):
    class Trained:
        def __init__(self, variant):
            assert variant == "fast"

        def fit(self, examples):
            assert examples == labelled("train")
            return held_out_model  # the same training, done once for the whole run

    monkeypatch.setattr("smmdesk.nlp.evaluate.TextModel", Trained)
    out = io.StringIO()
    call_command("nlp", "evaluate", stdout=out)
    lines = out.getvalue().splitlines()
    assert "held-out test split" in lines[0]
    assert lines[1] == ("Features and settings were chosen by 5-fold cross-validation on the "
                        "train split; the test split was not used to choose them.")
    rows = {m[1]: m for m in map(ROW.match, lines) if m}
    assert list(rows) == ["ru", "uk", "be", "en", "all"]
    for lang, m in rows.items():
        scores = [float(m[i]) for i in range(3, 9)]
        assert all(0.0 <= s <= 1.0 for s in scores), lang
        if lang != "all":
            assert int(m[2]) == sum(e.lang == lang for e in labelled("test"))
    assert int(rows["all"][2]) == len(labelled("test"))
    # the fast model is far better than chance on texts it never saw
    lang_acc, sentiment, intent, toxic = (float(rows["all"][i]) for i in range(3, 7))
    assert lang_acc > 0.9 and sentiment > 0.6 and intent > 0.6 and toxic > 0.8


def test_train_trains_the_base_model_and_each_corrected_workspaces_own(
        small_labelled, fits, workspace, monkeypatch):
    from collections import OrderedDict

    from smmdesk.nlp import service

    monkeypatch.setattr(service, "_held", OrderedDict())
    Correction.objects.create(workspace=workspace, text="Зерно сорок два, будь ласка",
                              language="be", sentiment="positive", intent="spam", toxic=True)
    out = io.StringIO()
    call_command("nlp", "train", stdout=out)
    fix = Example("Зерно сорок два, будь ласка", "be", "positive", "spam", True, weight=2.0)
    assert re.fullmatch(
        rf"trained the default model on {len(small_labelled)} examples in \d+\.\ds\n"
        rf"trained the model of workspace {workspace.slug} with 1 corrections in \d+\.\ds\n",
        out.getvalue())
    assert fits == [training_set(), training_set([fix])]
    assert list(model._loaded) == [f"fast:{fingerprint(training_set(), 'fast')}"]
    p = service.workspace_model_train(workspace=workspace).predict([fix.text])[0]
    assert (p.language, p.intent, p.toxic) == ("be", "spam", True)

    call_command("nlp", "train", stdout=io.StringIO())  # nothing new: nothing to train
    assert len(fits) == 2


def test_an_unknown_action_or_model_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("nlp", "predict")
    with pytest.raises(CommandError):
        call_command("nlp", "classify", "--model", "huge")


def test_evaluate_cv_scores_out_of_fold_on_the_train_split_only(small_labelled, fits):
    out = io.StringIO()
    call_command("nlp", "evaluate", "--cv", stdout=out)
    lines = out.getvalue().splitlines()
    assert "5-fold cross-validation on the train split" in lines[0]
    assert "test split is not used" in lines[0]
    train = [e for e in small_labelled if e.split == "train"]
    assert len(fits) == 5
    for fold in fits:  # every fit saw train examples only, and none saw them all
        assert all(e.split == "train" for e in fold) and 0 < len(fold) < len(train)
    rows = {m[1]: m for m in map(ROW.match, lines) if m}
    assert int(rows["all"][2]) == len(train)
    errors = [line for line in lines if "expected calibration error" in line]
    assert [e.split(":")[0] for e in errors] == ["sentiment", "intent", "toxic"]
    assert [line.split(":")[0] for line in lines if line.startswith("threshold ")] == \
        ["threshold pin", "threshold alert", "threshold lead", "threshold hide"]
