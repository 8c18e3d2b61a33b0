/* The dependency of missingdep.so, kept out of every search path. */
int ss_test_gone_value(void);

int ss_test_gone_value(void)
{
    return 7;
}
