"""CSV exports of ticket lists, written by a job."""
