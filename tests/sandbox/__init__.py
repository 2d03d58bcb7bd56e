"""The trusted checker, its wire to the jail, and the jail itself (autograder/sandbox/)."""
