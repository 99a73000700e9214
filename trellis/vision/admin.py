# The vision changes only through its pages, so that every change is in the audit log.
