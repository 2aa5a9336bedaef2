"""The client machinery (layer 2): what every component uses to talk to kube-apiserver.

The client-go of this project: a typed API client over the bus (`ApiClient`), watch streams and
their routing, informers with an indexed local cache and listers, a base class for component
actors, leader election, and the rate-limited work queue that controllers drain. Everything here
talks to the API server through messages only.
"""

from k8s_actors.client.cache import NAMESPACE_INDEX, Indexer, IndexFunc, Lister, object_key
from k8s_actors.client.client import APISERVER, ApiClient, KindRef, resource_info
from k8s_actors.client.component import ComponentActor
from k8s_actors.client.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    ServerError,
    Unavailable,
    error_from_status,
)
from k8s_actors.client.events import EventRecorder
from k8s_actors.client.informer import (
    EventHandler,
    Informer,
    ReflectorBackoff,
    SharedInformerFactory,
)
from k8s_actors.client.leaderelection import LeaderElector
from k8s_actors.client.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
)
from k8s_actors.client.watch import StreamEvent, WatchStream
from k8s_actors.client.workqueue import AsyncWorkQueue, QueueClock, WorkQueue

__all__ = [
    "APISERVER",
    "NAMESPACE_INDEX",
    "AlreadyExists",
    "ApiClient",
    "ApiError",
    "AsyncWorkQueue",
    "BadRequest",
    "BucketRateLimiter",
    "ComponentActor",
    "Conflict",
    "EventHandler",
    "EventRecorder",
    "Forbidden",
    "Gone",
    "IndexFunc",
    "Indexer",
    "Informer",
    "Invalid",
    "ItemExponentialFailureRateLimiter",
    "KindRef",
    "LeaderElector",
    "Lister",
    "MaxOfRateLimiter",
    "NotFound",
    "QueueClock",
    "RateLimiter",
    "ReflectorBackoff",
    "ServerError",
    "SharedInformerFactory",
    "StreamEvent",
    "Unavailable",
    "WatchStream",
    "WorkQueue",
    "default_controller_rate_limiter",
    "error_from_status",
    "object_key",
    "resource_info",
]
