"""Human review: queues by language, priority and SLA, exclusive claims, decisions, QA.

- :mod:`.queues` — queues as data (language × category × source) and routing to them;
- :mod:`.priority` — the priority formula and SLA deadlines (documented there);
- :mod:`.cases` — opening cases, exclusive expiring claims, escalation, second opinions;
- :mod:`.decide` — a reviewer's decision through enforcement and the ledger, labels for learning;
- :mod:`.qa`, :mod:`.agreement` — blind double review, golden cases, κ, α, overturn rates;
- :mod:`.sla` — at-risk and breach events (ledger + webhook);
- :mod:`.auth` — users, roles, argon2 passwords, sessions, API tokens, throttling;
- :mod:`.views` — what the console and the API show about a case.
"""
