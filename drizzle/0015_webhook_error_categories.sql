-- A delivery's last error becomes a category (refused, timeout, tls, dns,
-- blocked, network, http_status, slow): the messages kept so far quoted the
-- system's error, with the receiver's address and port, to anyone who reads
-- `lastDelivery.error`. The next migration allows categories only.
update webhook_deliveries set last_error = case
  when last_error like 'the receiver answered HTTP%' then 'http_status'
  when last_error like 'no answer within%' then 'timeout'
  when last_error like '%ECONNREFUSED%' then 'refused'
  when last_error like '%ENOTFOUND%' or last_error like '%EAI_AGAIN%' or last_error like '%ENODATA%' then 'dns'
  when last_error ~ '(CERT|TLS|SSL|EPROTO|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)' or last_error ilike '%certificate%' then 'tls'
  when last_error like '%ETIMEDOUT%' then 'timeout'
  else 'network'
end
where last_error is not null;
