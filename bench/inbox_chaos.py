"""Kill inbox workers with SIGKILL while messages arrive; count losses, duplicates and
automatic replies sent twice.

    python bench/inbox_chaos.py --messages 5000 --workers 3 --kills 5

Half the messages are pushed as VK Callback API deliveries (through the same arrival
service as /hooks/vk/<channel>/), half are comments that appear under a published post of
a sandbox channel, which the workers poll. A rule answers every sandbox comment tagged
"#ask" with a saved reply (a reply on the simulated network). Some malformed deliveries
are pushed too (refused on arrival), and a few poisoned ones are stored as if accepted
before the checks (set aside by the workers). Meanwhile ``--workers`` real
``smmdesk worker`` processes run, and a random one is SIGKILLed and restarted ``--kills``
times. When everything has settled the figures are read from the database:

- duplicates: messages stored more than once for one network id;
- lost: messages sent minus distinct messages stored;
- double_actions: automatic replies that reached the network more than once for one
  message, plus rule actions logged as done more than once for one message.

Last line: ``inbox-chaos: messages=N stored=N duplicates=0 lost=0 double_actions=0``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # see bench/chaos_publish.py

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench.harness import WorkerProcess, setup_django  # noqa: E402

# Short leases so a killed worker's claims come back within seconds; polls every second.
ENV = {"SMMDESK_LEASE_SECONDS": "4", "SMMDESK_HEARTBEAT_SECONDS": "1",
       "SMMDESK_INBOX_LEASE_SECONDS": "8", "SMMDESK_INBOX_POLL_SECONDS": "1",
       "SMMDESK_NLP_MODEL": "fast", "SMMDESK_EMAIL_ENABLED": "0"}
GID = 218765432
SECRET = "bench-callback-secret"
POSTS = 10
TEXTS = ["Скільки коштує доставка до Львова? #ask", "Дуже смачна кава, дякую!",
         "Замовила каву, прийшла розбита пачка #ask", "Хочу замовити 2 кг, як оплатити?",
         "Когда будет новая партия?", "Great coffee, thanks!", "Free followers!!! bit.ly/x"]


def build():
    from django.utils import timezone

    from smmdesk.accounts.services import user_create, workspace_create
    from smmdesk.channels.models import Channel
    from smmdesk.channels.services import channel_connect
    from smmdesk.content.services import post_create
    from smmdesk.inbox.services import rule_save, saved_reply_save
    from smmdesk.lib.crypto import encrypt_json
    from smmdesk.publishing.models import Publication, Status
    from smmdesk.publishing.services import publication_schedule
    from smmdesk.sandbox import network
    from smmdesk.sandbox.models import SandboxAccount, SandboxComment

    user = user_create(email="bench@example.com", password="x", check_password=False)
    ws = workspace_create(name="Inbox chaos", owner=user)
    sandbox = channel_connect(workspace=ws, kind="sandbox", actor=user,
                              data={"name": "Polled", "audience": "uk"})
    vk = Channel.objects.create(
        workspace=ws, kind="vk", name="Pushed", external_id=str(GID),
        settings={"group_id": GID, "token_type": "community"},
        credentials_encrypted=encrypt_json({"access_token": "vk1.a.bench",
                                            "callback_secret": SECRET}))
    account = SandboxAccount.objects.get(handle=sandbox.external_id)
    posts = []
    for i in range(POSTS):
        post = post_create(workspace=ws, actor=user, body=f"Bench post {i}")
        pub = publication_schedule(post=post, channel=sandbox, at=None, actor=user)
        remote = network.post_create(account=account, text=post.body)
        Publication.objects.filter(pk=pub.pk).update(
            status=Status.PUBLISHED, published_at=timezone.now(), external_id=str(remote.pk))
        posts.append(remote)
    SandboxComment.objects.filter(post__in=posts).delete()  # only what the bench sends
    saved = saved_reply_save(workspace=ws, name="Answer", text="{name}, ми відповімо!")
    rule_save(workspace=ws, name="Answer #ask", user=user, enabled=True,
              conditions={"keywords": ["#ask"], "channels": [sandbox.pk]},
              actions=[{"do": "reply", "saved_reply": saved.pk}, {"do": "label",
                                                                  "label": "Asked"}])
    return sandbox, vk, posts


class Feeder:
    """Sends the messages: VK deliveries and sandbox comments, and some bad ones."""

    def __init__(self, sandbox, vk, posts, rng: random.Random):
        from smmdesk.channels.services import channel_context

        self.sandbox, self.vk, self.posts, self.rng = sandbox, vk, posts, rng
        self.context = channel_context(vk)
        self.sent: set[tuple[int, str]] = set()
        self.asked: set[str] = set()  # sandbox comment ids a rule must answer
        self.refused = 0

    def push(self, n: int, body: dict) -> int:
        from smmdesk.channels.connecting import webhook_deliver
        from smmdesk.connectors.webhooks import WebhookRequest

        request = WebhookRequest(method="POST", headers={}, query={},
                                 body=json.dumps(body).encode(), channel=self.context)
        return retry(lambda: webhook_deliver(kind="vk", request=request, channel=self.vk,
                                             remote_addr="127.0.0.1")).status

    def vk_message(self, n: int) -> None:
        body = vk_body(n, self.rng.choice(TEXTS), author=100000 + n % 700)
        if self.push(n, body) == 200:
            self.sent.add((self.vk.pk, str(n)))

    def vk_malformed(self, n: int) -> None:
        bad = self.rng.choice([{"date": 1e30}, {"from_id": "ivan"}, {"id": "x"}])
        body = vk_body(n, "poisoned", author=1)
        body["object"].update(bad)
        self.refused += self.push(n, body) == 400

    def comment(self, n: int) -> None:
        from django.utils import timezone

        from smmdesk.sandbox.models import SandboxComment

        text = self.rng.choice(TEXTS)
        c = retry(lambda: SandboxComment.objects.create(
            post=self.posts[n % len(self.posts)], author_handle=f"fan{n % 500}",
            author_name=f"Fan {n % 500}", language="uk", category="neutral",
            text=f"{text} ({n})", created_at=timezone.now() - timedelta(seconds=1)))
        self.sent.add((self.sandbox.pk, str(c.pk)))
        if "#ask" in text:
            self.asked.add(str(c.pk))


def vk_body(n: int, text: str, *, author: int) -> dict:
    return {"type": "wall_reply_new", "event_id": f"ev{n}", "v": "5.199", "group_id": GID,
            "secret": SECRET,
            "object": {"id": n, "from_id": author, "post_id": 1042, "owner_id": -GID,
                       "parents_stack": [], "date": int(time.time()) - 5,
                       "text": f"{text} ({n})"}}


def poisoned_rows(vk, count: int) -> None:
    """Deliveries accepted before events were checked on arrival: set aside, not stuck."""
    from smmdesk.channels.models import WebhookDelivery

    for n in range(count):
        obj = {"id": 9_000_000 + n, "from_id": 1, "post_id": 1042, "date": 1e30, "text": "x"}
        WebhookDelivery.objects.create(kind="vk", channel=vk, accepted=True, events=[
            {"kind": "comment", "account_id": str(GID), "external_id": str(obj["id"]),
             "data": {"type": "wall_reply_new", "object": obj}}])


def retry(fn, tries: int = 20):
    """The bench's own writes wait for the workers' like any writer would."""
    from django.db import OperationalError

    for attempt in range(tries):
        try:
            return fn()
        except OperationalError:
            if attempt == tries - 1:
                raise
            time.sleep(0.2)


def settled(feeder: Feeder) -> bool:
    from smmdesk.channels.models import DeliveryStatus, WebhookDelivery
    from smmdesk.inbox.models import Message, RuleAction

    stored = Message.objects.filter(by_us=False).count()
    waiting = WebhookDelivery.objects.filter(status=DeliveryStatus.NEW).count()
    open_actions = RuleAction.objects.filter(state__in=["pending", "running"]).count()
    answered = RuleAction.objects.filter(action="reply").count()
    return (stored >= len(feeder.sent) and waiting == 0 and open_actions == 0
            and answered >= len(feeder.asked))


def wait_until_settled(feeder: Feeder, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if retry(lambda: settled(feeder)):
            return True
        time.sleep(1.0)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--spread", type=float, default=20.0,
                        help="seconds over which the messages arrive")
    parser.add_argument("--malformed", type=int, default=20,
                        help="malformed deliveries pushed besides (refused on arrival)")
    parser.add_argument("--poisoned", type=int, default=3,
                        help="bad deliveries stored as if accepted before the checks")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    setup_django(**ENV)
    logging.getLogger("smmdesk.channels").setLevel(logging.ERROR)  # the refusals we send
    from smmdesk.nlp.service import classify

    classify(["warm up"])  # trained and cached once, in the data folder the workers share
    feeder = Feeder(*build(), rng)
    poisoned_rows(feeder.vk, args.poisoned)
    workers = [WorkerProcess(env=ENV) for _ in range(args.workers)]
    for w in workers:
        w.start()
    started = time.monotonic()
    feed(feeder, args, rng, workers)
    print(f"inbox-chaos: sent {len(feeder.sent)} messages in {time.monotonic() - started:.1f}s;"
          f" waiting for the workers", file=sys.stderr, flush=True)
    ok = wait_until_settled(feeder, args.timeout)
    for w in workers:
        w.stop()
    report(feeder, ok, time.monotonic() - started)


def feed(feeder: Feeder, args, rng: random.Random, workers: list[WorkerProcess]) -> None:
    """Send the messages evenly over ``--spread`` seconds, killing a worker now and then."""
    n_total = args.messages
    malformed_at = set(rng.sample(range(n_total), min(args.malformed, n_total)))
    kill_at = sorted(rng.sample(range(1, n_total), min(args.kills, n_total - 1)))
    started, kills = time.monotonic(), 0
    for n in range(n_total):
        (feeder.vk_message if n % 2 else feeder.comment)(n)
        if n in malformed_at:
            feeder.vk_malformed(10_000_000 + n)
        if kills < len(kill_at) and n >= kill_at[kills]:
            victim = rng.choice(workers)
            victim.kill()
            kills += 1
            print(f"inbox-chaos: kill {kills}/{len(kill_at)} after {n + 1} messages",
                  file=sys.stderr, flush=True)
            victim.start()
        ahead = started + args.spread * (n + 1) / n_total - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


def report(feeder: Feeder, ok: bool, seconds: float) -> None:
    from django.db.models import Count

    from smmdesk.channels.models import DeliveryStatus, WebhookDelivery
    from smmdesk.inbox.models import Message, RuleAction
    from smmdesk.sandbox.models import SandboxComment

    rows = Message.objects.filter(by_us=False)
    per_id = rows.values("channel_id", "external_id").annotate(n=Count("pk"))
    stored_keys = {(r["channel_id"], r["external_id"]) for r in per_id}
    duplicates = sum(r["n"] - 1 for r in per_id if r["n"] > 1)
    stored = len(stored_keys & feeder.sent)
    lost = len(feeder.sent - stored_keys)
    replies = (SandboxComment.objects.filter(by_owner=True, parent__isnull=False)
               .values("parent_id").annotate(n=Count("pk")))
    double_replies = sum(1 for r in replies if r["n"] > 1)
    logged = (RuleAction.objects.filter(state="done").values("rule_id", "message_id", "action")
              .annotate(n=Count("pk")))
    double_logged = sum(1 for r in logged if r["n"] > 1)
    actions = dict(RuleAction.objects.filter(action="reply").values_list("state")
                   .annotate(n=Count("pk")))
    aside = WebhookDelivery.objects.filter(status=DeliveryStatus.SET_ASIDE).count()
    if not ok:
        print("inbox-chaos: WARNING: not everything settled before the timeout",
              file=sys.stderr)
    print(f"inbox-chaos: settled after {seconds:.1f}s; {feeder.refused} malformed deliveries "
          f"refused on arrival, {aside} set aside; automatic replies {actions} for "
          f"{len(feeder.asked)} tagged comments, {len(replies)} on the network",
          file=sys.stderr)
    print(f"inbox-chaos: messages={len(feeder.sent)} stored={stored} duplicates={duplicates} "
          f"lost={lost} double_actions={double_replies + double_logged}")


if __name__ == "__main__":
    main()
