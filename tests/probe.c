/* carenet-probe: a misbehaving peer for the network tests (being written). */
int main(void)
{
	return 1;
}
