// The `pm2` shim executable.
#include "shim_app.h"

int main(int argc, char** argv) { return pm2guard::shim::shim_main(argc, argv); }
