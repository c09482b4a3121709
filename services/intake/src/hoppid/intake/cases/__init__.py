"""The office staff's case work: the case list and "my cases", the case page and its forms
(advisor, pipeline, notes, applications, company, introductions), the search.

``use_cases`` holds the rules (the office's cases only, the pipeline's transitions, a note's
author), ``api`` the JSON routes, ``forms`` what they accept; the pages are ``staff_pages``
(the list, a case's pipeline), ``case_page`` (what the case page shows and who may open it),
``case_work_pages`` (its other forms) and ``search_pages``; who wrote a note is named by the
root's ``staff_names``. The search keys themselves are the root's ``search`` (inquiries and
corrections write them)."""
