/* stub: to be written */
typedef int ts_stub_craft;
int main(void){return 0;}
