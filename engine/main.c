/* stub: to be written */
typedef int ts_stub_main;
int main(void){return 0;}
