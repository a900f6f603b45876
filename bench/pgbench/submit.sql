-- PostgreSQL's own rate for exactly the rows one submission writes, in one transaction:
-- the service request, its attachment (one mandatory document), the audit event and the outbox
-- message, with the same column values and sizes the app writes (see cases.services.submit).
-- Unique values: tracking code, idempotency key and audit hash come from a per-client counter
-- (:k) through a bijection, so they never collide with the generated data or each other.
\set k :k + 1
\set n 5000000000 + :client_id * 10000000 + :k
\set body (:n * 982451653 + 7) % 90000000000 + 10000000000
BEGIN;
INSERT INTO cases_servicerequest (tracking_code, service_id, agency_id, province_id, citizen_id, channel, office_id, operator_id, workflow_id, status, form_data, fee_lines, fee_total_rials, submitted_at, sla_due_on, idempotency_key, version, updated_at, decided_at)
VALUES ((:body * 10 + :body % 10)::text, :service_id, :agency_id, :province_id, :citizen_id, 'office', :office_id, :operator_id, :workflow_id, 'submitted',
  '{"complaint": "stopped", "current_reading": 100, "subscription_number": "12345"}',
  '[{"code": "government", "label_fa": "تعرفه دولتی", "label_en": "Government fee", "amount": 300000}, {"code": "office_fee", "label_fa": "کارمزد دفتر", "label_en": "Office fee", "amount": 360000}, {"code": "vat", "label_fa": "مالیات بر ارزش افزوده کارمزد", "label_en": "VAT on the office fee", "amount": 36000}]',
  696000, now(), current_date + 14, md5(:n || 'idem'), 1, now(), NULL)
RETURNING id \gset
INSERT INTO cases_attachment (request_id, document_id, file, content_type, size, original_name, sha256, uploaded_at)
VALUES (:id, :document_id, 'attachments/2026/12/meter-test_' || :k || '.pdf', 'application/pdf', 193, 'meter-test.pdf', md5(:n || 'a') || md5(:n || 'b'), now());
INSERT INTO core_auditevent (subject_type, subject_id, sequence, actor_id, actor_name, actor_role, action, from_state, to_state, comment, data, created_at, prev_hash, hash)
VALUES ('service_request', :id, 1, :operator_id, 'اپراتور دفتر 1001', 'office_operator', 'submit', '', 'submitted', '',
  ('{"channel": "office", "fee_total": 696000, "office": ' || :office_id || ', "tracking_code": "' || (:body * 10 + :body % 10) || '"}')::jsonb,
  now(), '', md5(:n || 'c') || md5(:n || 'd'));
INSERT INTO notify_outboxmessage (channel, recipient, body, subject_type, subject_id, event, status, sensitive, attempts, last_error, provider_id, created_at, sent_at)
VALUES ('sms', '09121000011', 'درخواست «ثبت درخواست آزمایش کنتور» با کد رهگیری ' || (:body * 10 + :body % 10) || ' ثبت شد.', 'service_request', :id, 'submitted', 'pending', false, 0, '', '', now(), NULL);
COMMIT;
