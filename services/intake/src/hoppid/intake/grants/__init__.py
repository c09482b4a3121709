"""An office's catalogue of grant programmes (issue 14): the entries an application on the case
page is recorded against, each with who grants it and the most it may ask for. Every office
starts with the municipal clarification grant; its admins add, change and deactivate entries.

``store`` keeps them (``GrantRepository``; ``memory`` the same in memory), ``use_cases`` holds
the rules (who may change, the application's checks), ``api`` the JSON routes, ``staff_pages``
the office's pages."""
