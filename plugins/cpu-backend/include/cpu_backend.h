/* CPU backend plugin: private declarations. */
