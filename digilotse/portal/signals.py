"""Signals of the participation part, so moderation, follows and the project register stay
decoupled: whoever changes an idea's public status sends ``idea_status_changed``; the follow
module listens and e-mails confirmed followers."""

from django.dispatch import Signal

#: Sent after an idea's status changed and the change is committed to the database (send it
#: from ``transaction.on_commit``). Keyword arguments: ``idea`` (the saved Idea) and
#: ``old_status`` (the status value before the change).
idea_status_changed = Signal()
