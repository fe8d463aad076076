-- The application announces appends after they commit (services/ledger.py, announce): a
-- NOTIFY inside the appending transaction serialised every writer through its commit flush.
DROP TRIGGER events_notify ON events;
DROP FUNCTION ledger_notify();
