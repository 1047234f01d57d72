// A library the missing-dependency fixture links against; the test deletes it afterwards.
int bertslim_fixture_gone(void) { return 1; }
