/* version.h: the toolkit's name and version, printed by every --version. */
#ifndef VERSION_H
#define VERSION_H

#define EDAKIT_NAME	"edakit"
#define EDAKIT_VERSION	"0.1.0"

#endif
