/* OpenBLAS backend plugin: private declarations. */
