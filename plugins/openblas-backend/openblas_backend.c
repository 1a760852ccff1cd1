#include "toolshell_plugin.h"
