"""Data retention: one table of rules (`rules.py`), and the sweep that applies them (`sweep.py`).

Each `RetentionRule` says what (a model and which of its rows), how long
(days, overridable per rule by `RETENTION_<NAME>_DAYS`), from when (the field
the period runs from), what happens (the rows are deleted, or their personal
fields erased while the row stays for statistics and the audit trail) and why.
`docs/retention.md` is the same table in words, with the sources.

Guarantees of `retention_run`:

- Bounded: each rule works in batches of `RETENTION_BATCH_SIZE` rows, each
  batch its own short transaction, at most `RETENTION_MAX_BATCHES` per run,
  so a backlog never holds long locks; the next run carries on.
- Audited: one `AuditAction.DELETE` ("Erased") entry per rule per run, with
  counts only (object `core.retentionrule`, the rule's name): never an id or a
  value of the rows it touched. A dry run counts and changes nothing, and
  writes no entry.
- Never the audit log (`core.AuditEvent`: kept at least 6 years, archived by
  the partitioning plan, never deleted) and never an immutable row
  (`cases.JourneyEvent`, `cases.NeedsAssessmentVersion`): a rule on such a
  model, or a delete rule whose cascade would reach one, is refused when the
  table is checked (`retention_rules_check`, run before every sweep), because
  a queryset delete would bypass their `delete()` guard silently.

Erased encrypted columns that cannot be NULL hold an encrypted empty string,
which no query can tell from text (every token differs). For those rules
(`watermark=True`) the audit entry of the previous run records how far the
rule got (`through`: every row before it is done; `resume`: where an unfinished
run stopped), and the next run starts there. A row inside the period that may
not be erased yet (an open review, a message still being sent) holds `through`
back, so it is reached again later. Without that entry (first run, or the
entry archived) a rule starts from the beginning, which is safe: erasing twice
changes nothing.
"""

from .rules import (
    AUDIT_OBJECT_TYPE,
    DELETE,
    ERASE,
    PROTECTED_MODELS,
    RULES,
    RetentionRule,
)
from .sweep import (
    RuleOutcome,
    retention_overrides,
    retention_rules_check,
    retention_run,
    retention_sweep_due,
    rule_days,
    rule_run,
)

__all__ = [
    "AUDIT_OBJECT_TYPE",
    "DELETE",
    "ERASE",
    "PROTECTED_MODELS",
    "RULES",
    "RetentionRule",
    "RuleOutcome",
    "retention_overrides",
    "retention_rules_check",
    "retention_run",
    "retention_sweep_due",
    "rule_days",
    "rule_run",
]
