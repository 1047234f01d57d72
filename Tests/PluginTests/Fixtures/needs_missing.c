// A library whose dependency (libbertslim_fixture_gone.so) no longer exists.
int bertslim_fixture_gone(void);
int bertslim_fixture_user(void) { return bertslim_fixture_gone(); }
