"""The read side: the figures the offices, the county and the partners read. queries.py (what
the API and the pages ask), the JSON routes (api.py), CSV (csvout.py), the rules of periods and
totals (model.py), the time to the first meeting (waits.py), the PII-free partner facts
(public.py) and this year's figures for Prometheus (gauges.py)."""
