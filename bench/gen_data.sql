-- The bench's service requests: :requests requests (default one million) with their audit trails,
-- generated in the database. Run by bench/run.sh after `pishkhan migrate`, `pishkhan demo`,
-- `prepare.py people` (offices, staff, citizens) and `prepare.py samples` (form data, fees).
--
-- Consistent with the models and the app's rules:
--  * request n has tracking code body(n) || Damm(body(n)), body(n) = (n * 982451653 + 7) mod
--    9e10 + 1e10, a bijection, so codes are unique, random-looking and valid;
--  * its citizen is number (n * 7919) mod :citizens + 1, national code 998 + six digits + the
--    mod-11 check digit (prepare.py holds the same formulas, the load generators too);
--  * services: every active service on the default workflow, uniformly; channel: the counter
--    (65 %) where the service is offered there, else online; the province: the office's (two
--    generated offices per province, provinces weighted by population) or the citizen's;
--  * submitted within the last year; older than 45 days mostly delivered or decided, newer ones
--    in every open state; each request has the audit events of its path through the default
--    workflow, hash-chained exactly as core.audit.record_event makes them (prepare.py verify
--    recomputes a sample with the app's own code);
--  * due date: the service's working days, approximated as calendar days x 7/5.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET synchronous_commit = off;  -- this loading session only; the measurements use the defaults
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';
-- Consistent by construction (and checked by prepare.py verify): skip the per-row deferred
-- foreign-key triggers of this session's bulk inserts.
SET session_replication_role = replica;
SELECT setseed(0.1405);

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

CREATE FUNCTION bench.damm(digits text) RETURNS int LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  t int[] := '{{0,3,1,7,5,9,8,6,4,2},{7,0,9,2,1,5,4,8,6,3},{4,2,0,6,8,7,1,3,5,9},
               {1,7,5,0,9,8,3,4,2,6},{6,1,2,3,0,4,5,9,7,8},{3,6,7,4,2,0,9,5,8,1},
               {5,8,6,9,7,2,0,1,3,4},{8,9,4,5,3,6,2,0,1,7},{9,4,3,8,6,1,7,2,0,5},
               {2,5,8,1,4,3,6,7,9,0}}';
  i int := 0;
BEGIN
  FOR k IN 1..length(digits) LOOP
    i := t[i + 1][substr(digits, k, 1)::int + 1];
  END LOOP;
  RETURN i;
END $$;

CREATE FUNCTION bench.tracking_code(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT b || bench.damm(b) FROM (SELECT ((n * 982451653 + 7) % 90000000000 + 10000000000)::text AS b) s
$$;

-- The canonical JSON core.audit hashes: sorted keys, no spaces, UTF-8, time in UTC to the
-- microsecond (the time itself is kept to the millisecond).
CREATE FUNCTION bench.event_hash(
  subject_id text, seq int, prev_hash text, actor_id bigint, actor_name text, actor_role text,
  action text, from_state text, to_state text, comment text, data text, created_at timestamptz
) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(
    '{"action":' || to_json(action)::text
    || ',"actor_id":' || coalesce(actor_id::text, 'null')
    || ',"actor_name":' || to_json(actor_name)::text
    || ',"actor_role":' || to_json(actor_role)::text
    || ',"comment":' || to_json(comment)::text
    || ',"created_at":"' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00"'
    || ',"data":' || data
    || ',"from_state":' || to_json(from_state)::text
    || ',"prev_hash":' || to_json(prev_hash)::text
    || ',"sequence":' || seq
    || ',"subject_id":' || to_json(subject_id)::text
    || ',"subject_type":"service_request"'
    || ',"to_state":' || to_json(to_state)::text
    || '}', 'UTF8')), 'hex')
$$;

-- Reference data the generator draws from.
CREATE TEMP TABLE svc AS
SELECT row_number() OVER (ORDER BY s.id)::int AS k, s.id AS service_id, s.agency_id,
       s.offered_at_office, s.offered_online, s.sla_working_days, b.form_data,
       b.fee_lines_office, b.fee_total_office, b.fee_lines_online, b.fee_total_online
FROM catalog_service s JOIN bench_sample b ON b.service_id = s.id
WHERE s.is_active AND s.workflow_key = 'default';
SELECT count(*) AS services FROM svc \gset

SELECT id AS workflow_id FROM workflow_workflowdefinition
WHERE key = 'default' ORDER BY version DESC LIMIT 1 \gset

CREATE TEMP TABLE province_pick AS
SELECT array_agg(id ORDER BY id) AS ids FROM (
  SELECT p.id FROM core_province p
  CROSS JOIN LATERAL generate_series(1, greatest(1, round(
    1000.0 * p.population_2016 / (SELECT sum(population_2016) FROM core_province))::int))
) s;

CREATE TEMP TABLE cit AS
SELECT substr(national_code, 4, 6)::int AS c, id AS citizen_id, province_id,
       btrim(first_name || ' ' || last_name) AS name
FROM accounts_user WHERE role = 'citizen' AND username LIKE '998%';
ALTER TABLE cit ADD PRIMARY KEY (c);

CREATE TEMP TABLE off AS
SELECT o.province_id, row_number() OVER (PARTITION BY o.province_id ORDER BY o.id)::int AS k,
       o.id AS office_id, u.id AS operator_id, btrim(u.first_name || ' ' || u.last_name) AS operator_name
FROM offices_office o JOIN accounts_user u ON u.office_id = o.id AND u.username LIKE 'bench-operator-%'
WHERE o.licence_number LIKE '%-9%';

CREATE TEMP TABLE officer AS
SELECT agency_id, id AS officer_id, btrim(first_name || ' ' || last_name) AS officer_name
FROM accounts_user WHERE username LIKE 'bench-officer-%';

CREATE TEMP TABLE paths (status text PRIMARY KEY, actions text[], states text[]);
INSERT INTO paths VALUES
  ('submitted',   '{submit}',                               '{submitted}'),
  ('in_review',   '{submit,start_review}',                  '{submitted,in_review}'),
  ('needs_info',  '{submit,start_review,ask_info}',         '{submitted,in_review,needs_info}'),
  ('resubmitted', '{submit,start_review,ask_info,resubmit}', '{submitted,in_review,needs_info,resubmitted}'),
  ('approved',    '{submit,start_review,approve}',          '{submitted,in_review,approved}'),
  ('rejected',    '{submit,start_review,reject}',           '{submitted,in_review,rejected}'),
  ('delivered',   '{submit,start_review,approve,deliver}',  '{submitted,in_review,approved,delivered}'),
  ('cancelled',   '{submit,cancel}',                        '{submitted,cancelled}');

SELECT coalesce(max(id), 0) + 1000 AS base FROM cases_servicerequest \gset

-- One row per request, everything decided.
CREATE TEMP TABLE r AS
WITH g AS (
  SELECT n, random() AS r_svc, random() AS r_ch, random() AS r_age, random() AS r_st,
         random() AS r_prov, random() AS r_off
  FROM generate_series(1::bigint, :requests) n
), picked AS (
  SELECT g.*, s.*, c.citizen_id, c.province_id AS citizen_province, c.name AS citizen_name,
         (s.offered_at_office AND (NOT s.offered_online OR g.r_ch < 0.65)) AS at_office,
         (SELECT ids[1 + floor(g.r_prov * array_length(ids, 1))::int] FROM province_pick) AS office_province,
         date_trunc('milliseconds', now() - g.r_age * interval '365 days') AS submitted_at,
         g.r_age * 365 AS age_days
  FROM g
  JOIN svc s ON s.k = 1 + floor(g.r_svc * :services)::int
  JOIN cit c ON c.c = (g.n * 7919) % :citizens + 1
)
SELECT p.n, :base + row_number() OVER (ORDER BY p.submitted_at, p.n) AS id,
       bench.tracking_code(p.n) AS tracking_code, p.service_id, p.agency_id,
       p.citizen_id, p.citizen_name, p.form_data, p.sla_working_days, p.submitted_at,
       CASE WHEN p.at_office THEN 'office' ELSE 'online' END AS channel,
       CASE WHEN p.at_office THEN o.province_id ELSE p.citizen_province END AS province_id,
       o.office_id, o.operator_id, o.operator_name,
       CASE WHEN p.at_office THEN p.fee_lines_office ELSE p.fee_lines_online END AS fee_lines,
       CASE WHEN p.at_office THEN p.fee_total_office ELSE p.fee_total_online END AS fee_total,
       CASE WHEN p.age_days > 45 THEN
         CASE WHEN p.r_st < 0.82 THEN 'delivered' WHEN p.r_st < 0.92 THEN 'rejected'
              WHEN p.r_st < 0.97 THEN 'cancelled' ELSE 'approved' END
       ELSE
         CASE WHEN p.r_st < 0.25 THEN 'submitted' WHEN p.r_st < 0.55 THEN 'in_review'
              WHEN p.r_st < 0.65 THEN 'needs_info' WHEN p.r_st < 0.70 THEN 'resubmitted'
              WHEN p.r_st < 0.80 THEN 'approved' WHEN p.r_st < 0.92 THEN 'delivered'
              WHEN p.r_st < 0.97 THEN 'rejected' ELSE 'cancelled' END
       END AS status,
       least(p.age_days, 40) * 0.8 AS span_days
FROM picked p
LEFT JOIN off o ON p.at_office AND o.province_id = p.office_province
                AND o.k = CASE WHEN p.r_off < 0.5 THEN 1 ELSE 2 END;


-- Every audit event of every request.
CREATE TEMP TABLE ev AS
SELECT r.id AS rid, j AS seq, p.actions[j] AS action,
       CASE WHEN j = 1 THEN '' ELSE p.states[j - 1] END AS from_state, p.states[j] AS to_state,
       CASE
         WHEN p.actions[j] IN ('start_review', 'ask_info', 'approve', 'reject')
              OR (p.actions[j] = 'deliver' AND r.channel = 'online') THEN f.officer_id
         WHEN r.channel = 'office' THEN r.operator_id
         ELSE r.citizen_id
       END AS actor_id,
       CASE
         WHEN p.actions[j] IN ('start_review', 'ask_info', 'approve', 'reject')
              OR (p.actions[j] = 'deliver' AND r.channel = 'online') THEN f.officer_name
         WHEN r.channel = 'office' THEN r.operator_name
         ELSE r.citizen_name
       END AS actor_name,
       CASE
         WHEN p.actions[j] IN ('start_review', 'ask_info', 'approve', 'reject')
              OR (p.actions[j] = 'deliver' AND r.channel = 'online') THEN 'agency_officer'
         WHEN r.channel = 'office' THEN 'office_operator'
         ELSE 'citizen'
       END AS actor_role,
       CASE p.actions[j]
         WHEN 'ask_info' THEN 'تصویر صفحه دوم شناسنامه خوانا نیست؛ لطفاً دوباره بارگذاری کنید.'
         WHEN 'reject' THEN 'مدارک ارائه‌شده با اطلاعات ثبت احوال مطابقت ندارد.'
         ELSE ''
       END AS comment,
       CASE WHEN j = 1 THEN
         '{"channel":"' || r.channel || '","fee_total":' || r.fee_total || ',"office":'
         || coalesce(r.office_id::text, 'null') || ',"tracking_code":"' || r.tracking_code || '"}'
       ELSE '{}' END AS data,
       date_trunc('milliseconds', r.submitted_at
         + (j - 1) * (r.span_days / array_length(p.actions, 1)) * interval '1 day') AS created_at
FROM r
JOIN paths p ON p.status = r.status
JOIN officer f ON f.agency_id = r.agency_id
CROSS JOIN LATERAL generate_series(1, array_length(p.actions, 1)) j;

-- The hash chains, one position at a time.
CREATE TEMP TABLE evh (rid bigint, seq int, prev_hash text, hash text);
INSERT INTO evh
SELECT e.rid, 1, '', bench.event_hash(e.rid::text, 1, '', e.actor_id, e.actor_name, e.actor_role,
       e.action, e.from_state, e.to_state, e.comment, e.data, e.created_at)
FROM ev e WHERE e.seq = 1;
INSERT INTO evh
SELECT e.rid, 2, h.hash, bench.event_hash(e.rid::text, 2, h.hash, e.actor_id, e.actor_name,
       e.actor_role, e.action, e.from_state, e.to_state, e.comment, e.data, e.created_at)
FROM ev e JOIN evh h ON h.rid = e.rid AND h.seq = 1 WHERE e.seq = 2;
INSERT INTO evh
SELECT e.rid, 3, h.hash, bench.event_hash(e.rid::text, 3, h.hash, e.actor_id, e.actor_name,
       e.actor_role, e.action, e.from_state, e.to_state, e.comment, e.data, e.created_at)
FROM ev e JOIN evh h ON h.rid = e.rid AND h.seq = 2 WHERE e.seq = 3;
INSERT INTO evh
SELECT e.rid, 4, h.hash, bench.event_hash(e.rid::text, 4, h.hash, e.actor_id, e.actor_name,
       e.actor_role, e.action, e.from_state, e.to_state, e.comment, e.data, e.created_at)
FROM ev e JOIN evh h ON h.rid = e.rid AND h.seq = 3 WHERE e.seq = 4;

-- Into the app's tables, oldest first (ids grow with time, as in a real log). Indexes that back no
-- constraint are dropped first and built again afterwards: one sort each instead of millions of
-- single insertions.
CREATE TEMP TABLE saved_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relname IN ('cases_servicerequest', 'core_auditevent')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$ DECLARE x record; BEGIN
  FOR x IN SELECT name FROM saved_indexes LOOP EXECUTE 'DROP INDEX ' || x.name; END LOOP;
END $$;

INSERT INTO cases_servicerequest (
  id, tracking_code, channel, status, form_data, fee_lines, fee_total_rials, submitted_at,
  sla_due_on, decided_at, idempotency_key, version, updated_at, agency_id, citizen_id, office_id,
  operator_id, province_id, service_id, workflow_id)
SELECT r.id, r.tracking_code, r.channel, r.status, r.form_data, r.fee_lines, r.fee_total,
       r.submitted_at,
       (r.submitted_at AT TIME ZONE 'Asia/Tehran')::date + ceil(r.sla_working_days * 7.0 / 5)::int,
       a.decided_at, md5('bench-' || r.n), a.events, a.last_at,
       r.agency_id, r.citizen_id, r.office_id,
       CASE WHEN r.channel = 'office' THEN r.operator_id END, r.province_id, r.service_id,
       :workflow_id
FROM r JOIN (
  SELECT rid, count(*) AS events, max(created_at) AS last_at,
         max(created_at) FILTER (WHERE action IN ('approve', 'reject')) AS decided_at
  FROM ev GROUP BY rid
) a ON a.rid = r.id
ORDER BY r.id;

INSERT INTO core_auditevent (
  subject_type, subject_id, sequence, actor_id, actor_name, actor_role, action, from_state,
  to_state, comment, data, created_at, prev_hash, hash)
SELECT 'service_request', e.rid::text, e.seq, e.actor_id, e.actor_name, e.actor_role, e.action,
       e.from_state, e.to_state, e.comment, e.data::jsonb, e.created_at, h.prev_hash, h.hash
FROM ev e JOIN evh h ON h.rid = e.rid AND h.seq = e.seq
ORDER BY e.created_at, e.rid, e.seq;

DO $$ DECLARE x record; BEGIN
  FOR x IN SELECT def FROM saved_indexes LOOP EXECUTE x.def; END LOOP;
END $$;

SELECT setval(pg_get_serial_sequence('cases_servicerequest', 'id'),
              (SELECT max(id) FROM cases_servicerequest));

DROP SCHEMA bench CASCADE;
DROP TABLE bench_sample;
