-- Answers kept for retries hold no secret: an API key issued before this migration (a
-- tenant's first key, or a key issued with an Idempotency-Key) is taken out of its stored
-- answer; a retry answers its key_id with "key": null, as new answers are kept.
UPDATE idempotency_keys
SET body = convert_to(
        jsonb_set(convert_from(body, 'UTF8')::jsonb, '{key}', 'null'::jsonb)::text, 'UTF8')
WHERE position('"ck.' in convert_from(body, 'UTF8')) > 0
  AND jsonb_typeof(convert_from(body, 'UTF8')::jsonb) = 'object'
  AND jsonb_typeof(convert_from(body, 'UTF8')::jsonb -> 'key') = 'string';
