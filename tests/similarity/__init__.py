"""The similarity report (autograder/similarity/)."""
