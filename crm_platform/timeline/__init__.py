"""The activity timeline: tasks, meetings, logged emails, Markdown notes, mentions, attachments, notifications."""
