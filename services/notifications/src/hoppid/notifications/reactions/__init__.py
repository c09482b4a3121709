"""The reactions to other services' events: one function per event notifications handles.

A reaction keeps what the event says in the copies (hoppid.notifications.copies), composes the
messages it causes (hoppid.notifications.composition) and hands them to delivery
(hoppid.notifications.delivery). The flow goes one way: nothing below imports a reaction.
Every reaction is safe to run twice for the same event: copies keep the newest version only,
and each message is claimed once per (event, channel, recipient) before it is sent.
"""
