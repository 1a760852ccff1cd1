/* The ABI is a header; this file gives the C target a translation unit. */
#include "toolshell_plugin.h"
