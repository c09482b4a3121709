"""Delivery: a composed message to its recipient at most once (claim, send, record), over mail
or SMS, with retries, quiet hours, the due-message poller and the advisors' daily digest; and
the development mailbox that catches the mail in local runs."""
