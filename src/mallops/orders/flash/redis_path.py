"""The Redis path of a flash sale: one Lua script decides, the database follows from a queue.

Keys of sale S share the hash tag ``{S}`` so a Redis Cluster keeps them on one slot (sales spread over
the cluster by id); every script call touches keys of one sale only:

    flash:{S}:stock     units left                    flash:{S}:buyers    buyer id -> units held
    flash:{S}:queue     accepted attempts to write    flash:{S}:attempts  attempt id -> buyer id
    flash:{S}:idem:<k>  an Idempotency-Key's record   flash:{S}:tok:<p>   the sale's copy of a token's
                                                                          cache entry (``flash.tokens``)

``settings.REDIS_CLUSTER_URL`` selects a Redis Cluster (redis-py's ``RedisCluster``), else ``REDIS_URL``
one Redis (``conf.redis_url``).

Invariant while the sale runs: stock + units of the queue + claimed (database) == quantity, and for
each buyer: buyers[b] == FlashPurchase(b) + b's queued units. ``flash_reconcile`` checks it and
rebuilds the counters from the database after a Redis loss.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any

import redis
from redis.cluster import RedisCluster

from mallops.orders import conf

# One round trip decides an attempt.
# KEYS: stock, buyers, queue, attempts[, idempotency record[, the sale's token copy (flash.tokens)]]
# ARGV: buyer, qty, limit, attempt id[, record of the acceptance, record ttl s[, token digest, now epoch]]
# With a token key the buyer comes from the token cache: missing -> NO_TOKEN (the caller reads the
# database and calls again with the buyer), refused/wrong digest/expired -> BAD_TOKEN, not a buyer ->
# NOT_BUYER. With an idempotency key: a stored record is returned as is (the caller replays it or
# answers idempotency_key_reused); an acceptance stores its record with the decision. Refusals store
# nothing: running a refused attempt again changes nothing, so a retry is simply decided again.
ATTEMPT_LUA = """
local buyer = ARGV[1]
if KEYS[6] then
  local token = redis.call('GET', KEYS[6])
  if not token then return {-5} end
  local digest, uid, kind, expires = string.match(token, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  if not digest or digest ~= ARGV[7] or tonumber(expires) <= tonumber(ARGV[8]) then return {-6} end
  if kind ~= 'buyer' then return {-7} end
  buyer = uid
end
if KEYS[5] then
  local record = redis.call('GET', KEYS[5])
  if record then return {-4, record} end
end
local stock = tonumber(redis.call('GET', KEYS[1]) or '-1')
if stock < 0 then return {-3} end
local qty = tonumber(ARGV[2])
local held = tonumber(redis.call('HGET', KEYS[2], buyer) or '0')
if held + qty > tonumber(ARGV[3]) then return {-1} end
if stock < qty then return {-2} end
redis.call('DECRBY', KEYS[1], qty)
redis.call('HINCRBY', KEYS[2], buyer, qty)
redis.call('RPUSH', KEYS[3], ARGV[4] .. '|' .. buyer .. '|' .. ARGV[2])
redis.call('HSET', KEYS[4], ARGV[4], buyer)
if KEYS[5] then redis.call('SET', KEYS[5], ARGV[5], 'EX', ARGV[6]) end
return {stock - qty}
"""

RELEASE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('INCRBY', KEYS[1], tonumber(ARGV[2]))
redis.call('HINCRBY', KEYS[2], ARGV[1], -tonumber(ARGV[2]))
return 1
"""

LOAD_LUA = """
if ARGV[2] == '0' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
"""

OVER_LIMIT, SOLD_OUT, NOT_LOADED, RECORDED, NO_TOKEN, BAD_TOKEN, NOT_BUYER = -1, -2, -3, -4, -5, -6, -7


Client = redis.Redis | RedisCluster


@functools.lru_cache(maxsize=4)
def _client(url: str, cluster: bool) -> Client:
    if cluster:
        return RedisCluster.from_url(url, decode_responses=True)
    return redis.Redis.from_url(url, decode_responses=True)


def client() -> Client:
    return _client(conf.redis_url(), bool(conf.redis_cluster_url()))


def keys(sale_id: int) -> tuple[str, str, str, str]:
    tag = f"flash:{{{sale_id}}}"
    return (f"{tag}:stock", f"{tag}:buyers", f"{tag}:queue", f"{tag}:attempts")


def _scripts() -> tuple[Any, Any, Any]:
    return _registered(conf.redis_url(), bool(conf.redis_cluster_url()))


@functools.lru_cache(maxsize=4)
def _registered(url: str, cluster: bool) -> tuple[Any, Any, Any]:
    r = _client(url, cluster)
    return r.register_script(ATTEMPT_LUA), r.register_script(RELEASE_LUA), r.register_script(LOAD_LUA)


def attempt(
    sale_id: int,
    buyer_id: int | None,
    qty: int,
    limit: int,
    attempt_id: str,
    *,
    idempotency: tuple[str, str, int] | None = None,
    token: tuple[str, str, int] | None = None,
) -> tuple[int, str | None]:
    """Run the atomic check-and-decrement: (units left >= 0, None), (a negative code, None) or
    (RECORDED, the stored record). ``idempotency`` = (scoped key, record to store on acceptance, ttl);
    ``token`` = (the sale's token copy, ``tokens.sale_key``; sha256 of the raw token; now) when
    ``buyer_id`` is not known yet."""
    script = _scripts()[0]
    keys_ = list(keys(sale_id))
    args: list[Any] = [buyer_id or "", qty, limit, attempt_id]
    if idempotency is not None:
        keys_.append(idempotency_key(sale_id, idempotency[0]))
        args += [idempotency[1], idempotency[2]]
        if token is not None:
            keys_.append(token[0])
            args += [token[1], token[2]]
    result = _evalsha(script.sha, ATTEMPT_LUA, keys_, args, repeatable=idempotency is not None)
    return int(result[0]), (str(result[1]) if len(result) > 1 else None)


_local = threading.local()


def _evalsha(sha: str, source: str, keys_: list[str], args: list[Any], *, repeatable: bool) -> Any:
    """EVALSHA on this thread's own connection: the hot call skips the client's per-command machinery
    (pool checkout, retries, instrumentation: about half the cost of a round trip). A Redis that lost
    its scripts gets the source (EVAL loads it again). A broken connection is reopened and the call sent
    again only when running it twice is harmless (``repeatable``: the idempotency record makes a second
    run answer with the first one's record); otherwise the error goes up (the caller answers 5xx).

    On a Redis Cluster the connection is to the primary that serves the sale's slot (one per node and
    thread). A slot that moved (``MOVED``/``ASK``: the script did not run there) goes through the
    cluster client, which follows the redirection and learns the new layout. A broken connection is not
    sent again there (its node may have failed over): the layout is read again and the error goes up
    (a client retrying with the same Idempotency-Key gets the first run's answer)."""
    url, cluster = conf.redis_url(), bool(conf.redis_cluster_url())
    r = _client(url, cluster)
    if isinstance(r, RedisCluster):
        node = r.get_node_from_key(keys_[0])  # type: ignore[no-untyped-call]
        pool, name = node.redis_connection.connection_pool, f"{url}|{node.name}"
    else:
        pool, name = r.connection_pool, url
    conns: dict[str, Any] = _local.__dict__.setdefault("conns", {})
    conn = conns.get(name)
    if conn is None:
        conn = conns[name] = pool.make_connection()
    for last in (not repeatable, True):
        try:
            try:
                conn.send_command("EVALSHA", sha, len(keys_), *keys_, *args)
                return conn.read_response()
            except redis.exceptions.NoScriptError:
                conn.send_command("EVAL", source, len(keys_), *keys_, *args)
                return conn.read_response()
        except (redis.exceptions.MovedError, redis.exceptions.AskError):
            return r.eval(source, len(keys_), *keys_, *args)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            conn.disconnect()
            if isinstance(r, RedisCluster):
                # the node may be gone (a replica promoted): the cluster client looks again next time
                conns.pop(name, None)
                with contextlib.suppress(redis.exceptions.RedisError):
                    r.nodes_manager.initialize()
                raise
            if last:
                raise
    raise AssertionError("unreachable")


def idempotency_key(sale_id: int, scoped_key: str) -> str:
    """The record of an attempt's Idempotency-Key, in the sale's hash slot."""
    return f"flash:{{{sale_id}}}:idem:{scoped_key}"


def release(sale_id: int, buyer_id: int, qty: int) -> None:
    _scripts()[1](keys=list(keys(sale_id)[:2]), args=[buyer_id, qty])


def queued(sale_id: int) -> list[tuple[str, int, int]]:
    """The accepted attempts not yet written: (attempt id, buyer id, qty)."""
    out: list[tuple[str, int, int]] = []
    raw_items: list[str] = client().lrange(keys(sale_id)[2], 0, -1)  # type: ignore[assignment]
    for raw in raw_items:
        attempt_id, buyer, qty = str(raw).split("|")
        out.append((attempt_id, int(buyer), int(qty)))
    return out


def load(sale_id: int, stock_left: int, buyers: dict[int, int], *, overwrite: bool) -> None:
    """Set the counters atomically (``overwrite=False`` only when the stock key is missing)."""
    args: list[Any] = [stock_left, "1" if overwrite else "0"]
    for buyer, qty in buyers.items():
        args += [buyer, qty]
    _scripts()[2](keys=list(keys(sale_id)[:2]), args=args)


def attempt_buyer(sale_id: int, attempt_id: str) -> int | None:
    value = client().hget(keys(sale_id)[3], attempt_id)
    return int(value) if value is not None else None


def counters(sale_id: int) -> tuple[int | None, dict[int, int]]:
    stock_key, buyers_key, _, _ = keys(sale_id)
    r = client()
    stock = r.get(stock_key)
    buyers = {int(b): int(q) for b, q in r.hgetall(buyers_key).items()}
    return (int(stock) if stock is not None else None), buyers


def drain_lock(sale_id: int, seconds: int = 30) -> bool:
    return bool(client().set(f"flash:{{{sale_id}}}:drain", "1", nx=True, ex=seconds))


def drain_unlock(sale_id: int) -> None:
    client().delete(f"flash:{{{sale_id}}}:drain")


def trim(sale_id: int, count: int) -> None:
    client().ltrim(keys(sale_id)[2], count, -1)


def forget(sale_id: int) -> None:
    client().delete(*keys(sale_id))
