"""Item pipelines, one job each, in the order ``ITEM_PIPELINES`` runs them.

1. ``rejected.RecordRejections``   pages the parser refused go on record
2. ``boilerplate.DropNonStories``  "Page Not Found" and challenge pages that slipped through
3. ``boilerplate.StripBoilerplate`` paragraphs learned to be site boilerplate leave bodies
4. ``boilerplate.DropStubs``       bodies too short to be a story (video-only pages)
5. ``boilerplate.DropTemplates``   the daily template stories after the first
6. ``dedupe.DropDuplicates``       same id, same body, or nearly the same body
7. ``dedupe.RememberEmitted``      what passed is remembered for later runs

Every drop raises ``drops.StoryDropped``; ``drops.DropRecord`` logs it, counts it and
writes it to ``output/urdupoint.dropped.jsonl``. A story emitted by an earlier run and
fetched again (``full=1``) raises ``drops.AlreadyEmitted``: not written, and no drop.
"""
