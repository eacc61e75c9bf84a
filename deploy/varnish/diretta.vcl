vcl 4.1;
#
# Varnish in front of Diretta (docs/scaling.md, "Reads at the edge").
#
# - Keeps what the API says a shared cache may keep (Cache-Control s-maxage,
#   or Surrogate-Control max-age), nothing else; answers to a token are
#   never looked up nor stored; readers' cookies are dropped (Diretta sets
#   none).
# - Purges by surrogate key (vmod-xkey, from varnish-modules): the API's
#   purge outbox sends `PURGE` with `xkey-softpurge: <keys>` (the answers go
#   stale: kept for grace and for conditional requests) or `xkey-purge:
#   <keys>` (a takedown: gone). A `PURGE` without either drops its URL.
# - Grace: an answer past its s-maxage is served while it is refreshed
#   (stale-while-revalidate), and for as long as stale-if-error says while
#   the API is down (probe) or answers an error. An answer a purge made
#   stale is refreshed before it is served (the reader after a purge gets
#   the news), with its ETag, so an unchanged answer costs a 304.
# - A fetch that started before the latest purge may carry what that purge
#   dropped: it is handed to the readers waiting for it and not kept.
#
# The backend is the API on 127.0.0.1:4000 (scripts/edge/varnish.ts puts
# another port here when it starts Varnish).

import std;
import var;
import xkey;

backend diretta {
    .host = "127.0.0.1";
    .port = "4000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 30s;
    .probe = {
        .url = "/health";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# Who may purge: the API's instances (VARNISH_PURGE_URL points here).
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.restarts == 0) {
        # Ours alone: a client cannot set them.
        unset req.http.x-diretta-refresh;
        unset req.http.x-diretta-stale-ok;
        unset req.http.x-diretta-stale;
    }
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # Fetches that began before now may bring back what this purge drops (vcl_backend_response).
        var.global_set("purged-at", "" + std.real(time = now));
        if (req.http.xkey-purge) {
            set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        } elsif (req.http.xkey-softpurge) {
            set req.http.x-purged = xkey.softpurge(req.http.xkey-softpurge);
        } else {
            return (purge);
        }
        return (synth(200, "Purged " + req.http.x-purged));
    }
    # Live streams and WebSockets go straight through.
    if (req.http.upgrade ~ "(?i)websocket") {
        return (pipe);
    }
    if (req.http.accept ~ "text/event-stream") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # A token's answers are the token's (drafts, editors' fields): never looked up, never stored.
    if (req.http.authorization) {
        return (pass);
    }
    unset req.http.cookie;
    # GraphQL answers vary on Accept: two forms of it, not one object per browser's Accept string.
    if (req.url ~ "^/graphql\?" && req.http.accept !~ "text/html") {
        if (req.http.accept ~ "application/graphql-response\+json") {
            set req.http.accept = "application/graphql-response+json";
        } else {
            set req.http.accept = "application/json";
        }
    }
    if (req.http.x-diretta-refresh) {
        # No stale copy for this reader: wait for the fetch (which others asking meanwhile share).
        set req.grace = 0s;
    } elsif (req.http.x-diretta-stale-ok) {
        # The refresh failed: any stale copy within its grace (stale-if-error) will do. (req.grace outlives a restart.)
        set req.grace = 3650d;
    }
    return (hash);
}

sub vcl_pipe {
    if (req.http.upgrade) {
        set bereq.http.upgrade = req.http.upgrade;
        set bereq.http.connection = req.http.connection;
    }
}

sub vcl_hit {
    if (obj.ttl <= 0s) {
        set req.http.x-diretta-stale = "1";
        if (!req.http.x-diretta-stale-ok && std.healthy(req.backend_hint)) {
            # Made stale by a purge (its time to live was cut short), or stale for longer than
            # stale-while-revalidate: fetch it now rather than serve it.
            if (obj.ttl + obj.age + 0.01s < std.duration(obj.http.x-diretta-ttl, 0s) ||
                obj.ttl + std.duration(obj.http.x-diretta-swr, 0s) <= 0s) {
                set req.http.x-diretta-refresh = "1";
                unset req.http.x-diretta-stale;
                return (restart);
            }
        }
    }
}

sub vcl_backend_fetch {
    set bereq.http.x-diretta-fetch-start = "" + std.real(time = now);
    if (!bereq.uncacheable) {
        # An answer computed now: an API instance may not have heard of the change yet that the purge was for.
        set bereq.http.cache-control = "no-cache";
    }
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.status >= 500) {
        # Keep serving the stale copy (stale-if-error) rather than an error.
        if (bereq.is_bgfetch || bereq.http.x-diretta-refresh) {
            return (abandon);
        }
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    # Only what the API marks public is kept.
    if ((!beresp.http.cache-control && !beresp.http.surrogate-control) ||
        beresp.http.surrogate-control ~ "(?i)no-store" ||
        beresp.http.cache-control ~ "(?i)(private|no-store|no-cache)" ||
        beresp.http.set-cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 10s;
        return (deliver);
    }
    # Varnish reads s-maxage from Cache-Control; Surrogate-Control, a CDN's own header, comes first when sent.
    if (beresp.http.surrogate-control ~ "max-age=[0-9]+") {
        set beresp.ttl = std.duration(regsub(beresp.http.surrogate-control, "^.*max-age=([0-9]+).*$", "\1s"), beresp.ttl);
    }
    set beresp.http.x-diretta-ttl = beresp.ttl + "s";
    set beresp.http.x-diretta-swr = "0s";
    set beresp.grace = 0s;
    if (beresp.http.cache-control ~ "stale-while-revalidate=[0-9]+") {
        set beresp.http.x-diretta-swr = regsub(beresp.http.cache-control, "^.*stale-while-revalidate=([0-9]+).*$", "\1s");
        set beresp.grace = std.duration(beresp.http.x-diretta-swr, 0s);
    }
    if (beresp.http.cache-control ~ "stale-if-error=[0-9]+" &&
        std.duration(regsub(beresp.http.cache-control, "^.*stale-if-error=([0-9]+).*$", "\1s"), 0s) > beresp.grace) {
        set beresp.grace = std.duration(regsub(beresp.http.cache-control, "^.*stale-if-error=([0-9]+).*$", "\1s"), 0s);
    }
    if (std.real(var.global_get("purged-at"), 0) >= std.real(bereq.http.x-diretta-fetch-start, 0)) {
        # Raced a purge: what it read may be what the purge dropped. The readers waiting get it; nobody after them.
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.http.x-diretta-raced = "1";
    }
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.is_bgfetch || bereq.http.x-diretta-refresh) {
        return (abandon);
    }
}

sub vcl_synth {
    # The refresh of a stale answer failed: serve the stale one (stale-if-error).
    if (resp.status == 503 && req.http.x-diretta-refresh && req.restarts < 3) {
        unset req.http.x-diretta-refresh;
        set req.http.x-diretta-stale-ok = "1";
        return (restart);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.x-cache = "HIT";
        if (req.http.x-diretta-stale) {
            set resp.http.x-cache = "HIT-STALE";
        }
    } elsif (obj.uncacheable) {
        set resp.http.x-cache = "PASS";
    } else {
        set resp.http.x-cache = "MISS";
    }
    # Caches after this one (a proxy on the reader's side) cannot be purged: they get the browser's max-age only.
    if (resp.http.cache-control ~ "s-maxage") {
        set resp.http.cache-control = regsuball(resp.http.cache-control, ",\s*s-maxage=[0-9]+", "");
    }
    unset resp.http.xkey;
    unset resp.http.surrogate-key;
    unset resp.http.surrogate-control;
    unset resp.http.x-diretta-ttl;
    unset resp.http.x-diretta-swr;
}
