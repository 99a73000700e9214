# Commons items change only through their pages, so that every change is in the audit log.
