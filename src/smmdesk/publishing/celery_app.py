"""The Celery application of the ``celery`` executor.

Run the task workers with ``celery -A smmdesk.publishing.celery_app worker`` (every
network's queue) or ``... worker -Q publish.telegram,publish.vk`` (some of them). No beat:
`smmdesk worker` claims due work from the database and sends each job here. The settings
make a job survive a dying worker without ever running twice (see docs/SCALING.md):

- late acknowledgement (``acks_late``, ``reject_on_worker_lost``): a job whose worker
  dies goes back to the queue; the task then finds its claim taken back, or something
  already sent under it, and does nothing (``claim_take_over``);
- a Redis visibility timeout far longer than the lease, so Redis redelivers a job only
  after the database has taken its claim back;
- one queue per network, so a slow network never holds up the others;
- a prefetch of one: a worker reserves only what it is about to run.
"""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smmdesk.settings")

TASK_NAME = "smmdesk.publishing.run_job"


def queue_name(kind: str) -> str:
    from django.conf import settings

    return f"{settings.SMMDESK_CELERY_QUEUE_PREFIX}.{kind}"


def celery_config(broker_url: str) -> dict:
    from django.conf import settings

    from smmdesk.connectors.registry import CONNECTORS

    lease = settings.SMMDESK_LEASE_SECONDS
    return {
        "broker_url": broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": max(3600, lease * 4)},
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_default_queue": queue_name("default"),
        "task_queues": [Queue(queue_name(kind)) for kind in CONNECTORS],
        # A broker that is down fails a send quickly: the dispatcher gives the claim back.
        "task_publish_retry_policy": {"max_retries": 2, "interval_start": 0.1,
                                      "interval_step": 0.2, "interval_max": 0.5},
        "broker_connection_timeout": 2.0,
        "worker_hijack_root_logger": False,
    }


def make_app(broker_url: str | None = None) -> Celery:
    from django.conf import settings

    from smmdesk.publishing.tasks import run_publication_jobs

    celery = Celery("smmdesk", set_as_current=False)
    celery.conf.update(celery_config(broker_url or settings.SMMDESK_BROKER_URL
                                     or "redis://127.0.0.1:6379/0"))
    celery.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True,
                ignore_result=True)(run_publication_jobs)
    return celery


app = make_app()
