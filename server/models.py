"""Every feature package's models, imported in one place so migrations and `create_all` see them all."""

from server.agencies.models import Agency, Relay  # noqa: F401
from server.assistants.models import Assistant, Villager  # noqa: F401
from server.audit.models import AuditRecord  # noqa: F401
from server.auth.models import ApiToken, Device, User  # noqa: F401
from server.outbox import OutboxEntry  # noqa: F401
from server.push.models import PushSubscription  # noqa: F401
from server.reports.models import (  # noqa: F401
    FeedClock,
    LocationFix,
    Media,
    Message,
    Report,
    SyncOp,
    TimelineEvent,
)
from server.stations.models import Station  # noqa: F401
