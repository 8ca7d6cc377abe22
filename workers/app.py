"""The Celery application: Redis broker, delivery settings chosen so nothing accepted is lost."""

from __future__ import annotations

from typing import Any

from celery import Celery

from services.keys import Keys
from services.settings import Settings, get_settings

TASK_NAME = "newswire.process_documents"


def create_app(settings: Settings) -> Celery:
    """A Celery app configured from settings; the worker and every producer build theirs here."""
    keys = Keys.from_settings(settings)
    app = Celery("newswire", broker=settings.broker, include=["workers.tasks"], set_as_current=False)
    app.conf.update(
        # acks_late: the message is acked after the task ran, so a killed worker's task is
        # redelivered; the idempotent sink makes that redelivery publish nothing twice.
        task_acks_late=True,
        # A worker process dying mid-task (kill -9, OOM) requeues its message instead of acking it.
        task_reject_on_worker_lost=True,
        # A task killed by the hard time limit is requeued too (Celery acks it by default, which
        # loses its batch); the task then isolates the document that hung (workers/tasks.py).
        task_acks_on_timeout=False,
        # Prefetch 1: a worker holds at most one unacked message per process, so a crash strands
        # little and a slow batch does not hoard work another process could take.
        worker_prefetch_multiplier=1,
        task_default_queue=settings.queue,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # Soft limit raises SoftTimeLimitExceeded inside the task (it then dead-letters or
        # retries); the hard limit 30 s later kills a process stuck in C code.
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_soft_time_limit + 30,
        broker_transport_options={
            # Redis has no real acks: an unacked message is redelivered after this many seconds.
            # It must exceed the longest task, or a slow task runs twice (celery#5935); the
            # sink's dedup makes that harmless, but it wastes work.
            "visibility_timeout": settings.visibility_timeout,
            # kombu sweeps for expired unacked messages only every interval x throttle seconds
            # (10 x 10 by default): a message of a SIGKILLed worker would wait up to 100 s past
            # the visibility timeout. Sweep at a quarter of the timeout (at most every 10 s).
            "unacked_restore_interval": max(1, min(10, settings.visibility_timeout // 4)),
            "unacked_restore_throttle": 1,
            # The sweep's lock outlives a worker killed while holding it; keep that gap short.
            "unacked_mutex_expire": max(5, min(300, settings.visibility_timeout)),
            # Celery's own keys get the deployment's namespace, so two deployments (or test
            # runs) sharing one Redis never take each other's tasks.
            "global_keyprefix": keys.celery_prefix(),
        },
        broker_connection_retry_on_startup=True,
        # On a lost broker connection, cancel running tasks instead of finishing them unacked:
        # their messages come back via the visibility timeout and are processed again once.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 5,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 3,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def __getattr__(name: str) -> Any:
    # `celery -A workers.app worker|flower` looks up `app`; build it lazily from the environment
    # so importing this module never reads settings.
    if name == "app":
        return create_app(get_settings())
    raise AttributeError(name)
