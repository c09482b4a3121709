"""scheduling's site: the pages' wiring (``routes``), what the pages share (who is asking, the
answers that refuse; ``common``), how they show times (``views``), and the templates and texts
of every feature's pages. The pages themselves live with their feature (``meetings``,
``advisors``, ``programmes``, ``desks``: ``person_pages``, ``staff_pages``)."""
