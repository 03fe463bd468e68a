"""The requirement machinery: what a requirement folder is (unit), how folders are found
(registry), and the lookups their checks share (common). The requirements themselves live
in rules/<id>_<slug>/, one folder each."""
