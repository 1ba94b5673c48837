"""The auditors' tools: export the transfer log, and verify it without trusting the hub.

Modules, one concept each:

* :mod:`~saphan.audit.layout`: the export folder's layout and its entry files;
* :mod:`~saphan.audit.export`: writing that folder from the hub's database;
* :mod:`~saphan.audit.sources`: reading a log from an export folder or a live hub;
* :mod:`~saphan.audit.material`: receipt records, key sets, the auditor's trusted keys;
* :mod:`~saphan.audit.entrycheck`: the ledger's entry rules, fast enough for a million;
* :mod:`~saphan.audit.checkpoints`: checkpoints opened with the auditor's keys;
* :mod:`~saphan.audit.receiptread`: reading receipts fast, by the ledger's rules;
* :mod:`~saphan.audit.receiptcheck`: receipts against their signers and the log;
* :mod:`~saphan.audit.sigpool`: Ed25519 checks in bulk, in worker processes;
* :mod:`~saphan.audit.walk`: the one pass over every entry;
* :mod:`~saphan.audit.rootcheck`: the entries against the roots the hub signed;
* :mod:`~saphan.audit.verify`: the audit itself; :mod:`~saphan.audit.report`: its outcome.

The command line is :mod:`saphan.cli.audit`; the guide for auditors is ``docs/auditors.md``.
"""
