from __future__ import annotations

import pytest

from smmdesk.nlp import model
from smmdesk.nlp.model import TextModel, labelled


@pytest.fixture(scope="session")
def held_out_model() -> TextModel:
    """The fast model trained on the "train" split, as ``smmdesk nlp evaluate`` trains it:
    the one full training of the run (tens of seconds), shared by every test that needs
    real answers."""
    return TextModel("fast").fit(labelled("train"))


@pytest.fixture
def small_labelled(monkeypatch, settings, tmp_path):
    """Every 24th labelled example (every class still there), so that what trains and
    caches models runs in seconds; the cache goes to a folder of this test's own."""
    examples = labelled()[::24]
    monkeypatch.setattr(model, "labelled",
                        lambda split=None: [e for e in examples if split in (None, e.split)])
    monkeypatch.setattr(model, "_loaded", {})
    settings.DATA_DIR = tmp_path
    return examples


@pytest.fixture
def fits(monkeypatch) -> list[list[model.Example]]:
    """The training sets of every TextModel.fit call from here on."""
    calls: list[list[model.Example]] = []
    fit = TextModel.fit

    def counted(self, examples):
        calls.append(list(examples))
        return fit(self, examples)

    monkeypatch.setattr(TextModel, "fit", counted)
    return calls
