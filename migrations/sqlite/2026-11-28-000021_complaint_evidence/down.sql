DROP TABLE complaint_evidence;
