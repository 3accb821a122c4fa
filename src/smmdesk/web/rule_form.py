"""The rule builder: a form of plain choices turned into a rule's conditions and actions
(inbox/rules.py documents both) and back, and a rule told in words."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.accounts.models import Membership
from smmdesk.channels.selectors import channel_list
from smmdesk.connectors.registry import CONNECTORS, connector_class
from smmdesk.inbox.models import MessageKind, MessageStatus, Rule, SavedReply
from smmdesk.inbox.rules import CONDITION_TASKS, NETWORK_ACTIONS, rule_gate
from smmdesk.lib.badinput import parse_id
from smmdesk.nlp.actions import threshold

LANGUAGES = (("ru", gettext_lazy("Russian")), ("uk", gettext_lazy("Ukrainian")),
             ("be", gettext_lazy("Belarusian")), ("en", gettext_lazy("English")),
             ("other", gettext_lazy("Other")))
SENTIMENTS = (("negative", gettext_lazy("Negative")), ("neutral", gettext_lazy("Neutral")),
              ("positive", gettext_lazy("Positive")))
INTENTS = (("question", gettext_lazy("Question")), ("complaint", gettext_lazy("Complaint")),
           ("purchase", gettext_lazy("Wants to buy")), ("praise", gettext_lazy("Praise")),
           ("spam", gettext_lazy("Spam")), ("other", gettext_lazy("Other")))
FLAGS = (("has_link", gettext_lazy("Has a link")),
         ("has_phone", gettext_lazy("Has a phone number")),
         ("has_email", gettext_lazy("Has an e-mail address")),
         ("new_author", gettext_lazy("The author is new to us")))
RULE_STATUSES = ((MessageStatus.DONE, MessageStatus.DONE.label),
                 (MessageStatus.SPAM, MessageStatus.SPAM.label))
CAPABILITY = {"hide": "hide_comment", "delete": "delete_comment", "reply": "reply"}


@dataclass
class RuleForm:
    """What the rule builder shows and sends; ``errors`` maps a field to its message."""

    rule_id: int | None = None
    name: str = ""
    keywords: str = ""
    regex: str = ""
    languages: list[str] = field(default_factory=list)
    sentiments: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    toxic: str = ""  # "", "yes" or "no"
    act_on_uncertain: bool = False  # also when the model is not sure of the labels read
    hide: bool = False
    delete: bool = False
    label: str = ""
    assign: int | None = None
    status: str = ""
    reply: int | None = None
    notify: int | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def conditions(self) -> dict:
        words = [w.strip() for w in self.keywords.replace("\n", ",").split(",")]
        out: dict = {"keywords": list(dict.fromkeys(w for w in words if w)),
                     "regex": self.regex.strip(), "languages": self.languages,
                     "sentiments": self.sentiments, "intents": self.intents,
                     "kinds": self.kinds, "channels": self.channels}
        out.update({flag: True for flag in self.flags})
        if self.toxic:
            out["toxic"] = self.toxic == "yes"
        return {k: v for k, v in out.items() if v not in ("", [])}

    def actions(self) -> list[dict]:
        steps = [({"do": "hide"}, self.hide), ({"do": "delete"}, self.delete),
                 ({"do": "label", "label": self.label.strip()}, self.label.strip()),
                 ({"do": "assign", "user": self.assign}, self.assign),
                 ({"do": "status", "status": self.status}, self.status),
                 ({"do": "reply", "saved_reply": self.reply}, self.reply),
                 ({"do": "notify", "user": self.notify}, self.notify)]
        return [action for action, wanted in steps if wanted]


@dataclass
class Lookups:
    """Names of what rules point at by id, in one workspace."""

    channels: dict[int, str]
    members: dict[int, str]
    replies: dict[int, str]

    @classmethod
    def of(cls, ws) -> Lookups:
        return cls(
            channels={c.pk: c.name for c in channel_list(workspace=ws)},
            members={m.user_id: str(m.user) for m in
                     Membership.objects.filter(workspace=ws).select_related("user")},
            replies=dict(SavedReply.objects.filter(workspace=ws).values_list("pk", "name")))


def _picked(post, name: str, allowed) -> list[str]:
    return [v for v in post.getlist(name) if v in {str(a) for a in allowed}]


def _one_of(post, name: str, allowed: dict, form: RuleForm, message: str) -> int | None:
    value = post.get(name, "")
    if not value:
        return None
    if not value.isdigit() or int(value) not in allowed:
        form.errors["actions"] = message
        return None
    return int(value)


def parse(post, lookups: Lookups) -> RuleForm:
    form = RuleForm(
        name=post.get("name", ""), keywords=post.get("keywords", ""), regex=post.get("regex", ""),
        languages=_picked(post, "languages", dict(LANGUAGES)),
        sentiments=_picked(post, "sentiments", dict(SENTIMENTS)),
        intents=_picked(post, "intents", dict(INTENTS)),
        kinds=_picked(post, "kinds", MessageKind.values),
        channels=[int(c) for c in _picked(post, "channels", lookups.channels)],
        flags=_picked(post, "flags", dict(FLAGS)),
        toxic=post.get("toxic") if post.get("toxic") in ("yes", "no") else "",
        act_on_uncertain=post.get("act_on_uncertain") == "1",
        hide=post.get("hide") == "1", delete=post.get("delete") == "1",
        label=post.get("label", "")[:60],
        status=post.get("status") if post.get("status") in dict(RULE_STATUSES) else "")
    rule_id = post.get("rule_id", "")
    form.rule_id = parse_id(rule_id)
    not_member = _("Choose a member of this workspace.")
    form.assign = _one_of(post, "assign", lookups.members, form, not_member)
    form.notify = _one_of(post, "notify", lookups.members, form, not_member)
    form.reply = _one_of(post, "reply", lookups.replies, form,
                         _("That saved reply no longer exists."))
    return form


def from_rule(rule: Rule) -> RuleForm:
    c = rule.conditions
    form = RuleForm(
        rule_id=rule.pk, name=rule.name, keywords=", ".join(c.get("keywords", [])),
        regex=c.get("regex", ""), languages=list(c.get("languages", [])),
        sentiments=list(c.get("sentiments", [])), intents=list(c.get("intents", [])),
        kinds=list(c.get("kinds", [])), channels=[int(x) for x in c.get("channels", [])],
        flags=[f for f, _label in FLAGS if c.get(f)],
        toxic={True: "yes", False: "no"}.get(c.get("toxic"), ""),
        act_on_uncertain=rule.act_on_uncertain)
    for a in reversed(rule.actions):  # the first action of each kind wins, as in the form
        do = a.get("do")
        if do in ("hide", "delete"):
            setattr(form, do, True)
        elif do in ("label", "status"):
            setattr(form, do, str(a.get(do, "")))
        elif do in ("assign", "notify"):
            setattr(form, do, a.get("user"))
        elif do == "reply":
            form.reply = a.get("saved_reply")
    return form


def _names(values, labels) -> str:
    labels = dict(labels)
    return ", ".join(str(labels.get(v, v)) for v in values)


def describe_conditions(c: dict, lookups: Lookups) -> list[str]:
    words = []
    if c.get("keywords"):
        words.append(_("Contains any of: %(words)s") % {"words": ", ".join(c["keywords"])})
    if c.get("regex"):
        words.append(_("Matches the pattern %(regex)s") % {"regex": c["regex"]})
    for key, title, labels in (("languages", _("Language"), LANGUAGES),
                               ("sentiments", _("Tone"), SENTIMENTS),
                               ("intents", _("Intent"), INTENTS),
                               ("kinds", _("Kind"), MessageKind.choices)):
        if c.get(key):
            words.append(f"{title}: {_names(c[key], labels)}")
    if "toxic" in c:
        words.append(_("Toxic or profane") if c["toxic"] else _("Not toxic"))
    words += [str(label) for flag, label in FLAGS if c.get(flag)]
    if c.get("channels"):
        names = [lookups.channels.get(int(x), f"#{x}") for x in c["channels"]]
        words.append(_("On: %(channels)s") % {"channels": ", ".join(names)})
    return words


def describe_action(a: dict, lookups: Lookups) -> str:
    do, gone = a.get("do"), _("(no longer here)")
    if do == "hide":
        return _("Hide it on the network")
    if do == "delete":
        return _("Delete it on the network")
    if do == "label":
        return _("Add the label “%(label)s”") % {"label": a.get("label", "")}
    if do == "assign":
        return _("Assign to %(member)s") % {"member": lookups.members.get(a.get("user"), gone)}
    if do == "status":
        return _("Mark as %(status)s") % {"status": _names([a.get("status")],
                                                            MessageStatus.choices)}
    if do == "reply":
        return _("Reply with “%(reply)s”") % {
            "reply": lookups.replies.get(a.get("saved_reply"), gone)}
    if do == "notify":
        return _("Notify %(member)s") % {"member": lookups.members.get(a.get("user"), gone)}
    return str(do)


def describe_certainty(rule: Rule) -> str:
    """How sure of the labels the rule must be, when it reads any ("" otherwise)."""
    if not any(key in rule.conditions for key in CONDITION_TASKS):
        return ""
    if rule.act_on_uncertain:
        return _("Also when smmdesk is not sure of the tone, intent, language or toxicity")
    return _("Only when smmdesk is at least %(percent)d%% sure of the tone, intent, language "
             "or toxicity") % {"percent": round(threshold(rule_gate(rule)) * 100)}


def capability_warnings(rule: Rule, ws) -> list[str]:
    """Network actions some of the rule's channels do not allow: say so before it fails."""
    wanted = [a["do"] for a in rule.actions if a.get("do") in NETWORK_ACTIONS]
    channels = channel_list(workspace=ws).filter(kind__in=list(CONNECTORS))
    if rule.conditions.get("channels"):
        channels = channels.filter(pk__in=[int(x) for x in rule.conditions["channels"]])
    out = []
    for do in dict.fromkeys(wanted):
        cannot = [c.name for c in channels
                  if not getattr(connector_class(c.kind).capabilities, CAPABILITY[do])]
        if cannot:
            out.append(_("%(action)s will fail on %(channels)s: the network does not allow "
                         "it.") % {"action": describe_action({"do": do}, Lookups({}, {}, {})),
                                   "channels": ", ".join(cannot)})
    return out


def choices(lookups: Lookups) -> dict:
    """What the builder's checkboxes and menus offer."""
    return {"languages": LANGUAGES, "sentiments": SENTIMENTS, "intents": INTENTS,
            "kinds": MessageKind.choices, "flags": FLAGS, "statuses": RULE_STATUSES,
            "channels": sorted(lookups.channels.items(), key=lambda x: x[1]),
            "members": sorted(lookups.members.items(), key=lambda x: x[1]),
            "replies": sorted(lookups.replies.items(), key=lambda x: x[1])}
