"""The role groups. Their names are data (Chinese, as administrators see them)."""

STAFF = "经办人"
REVIEWER = "审核人"
LEADER = "领导"
ALL = (STAFF, REVIEWER, LEADER)
