-- Issue 4: a call's last audio quality report stays with it, and issue 5: a push-woken call's
-- timeline (JSON: [{"stage":..,"ms":..}], ms after the push) and why a wake failed.
ALTER TABLE call_log ADD COLUMN codec TEXT;
ALTER TABLE call_log ADD COLUMN srtp INTEGER;
ALTER TABLE call_log ADD COLUMN jitter_ms REAL;
ALTER TABLE call_log ADD COLUMN loss_pct REAL;
ALTER TABLE call_log ADD COLUMN rtt_ms REAL;
ALTER TABLE call_log ADD COLUMN mos REAL;
ALTER TABLE call_log ADD COLUMN concealed_pct REAL;
ALTER TABLE call_log ADD COLUMN packets_sent INTEGER;
ALTER TABLE call_log ADD COLUMN packets_received INTEGER;
ALTER TABLE call_log ADD COLUMN push_timeline TEXT;
ALTER TABLE call_log ADD COLUMN push_diagnostic TEXT;
