// Everything a host application needs.
#pragma once

#include "tessera/config.h"
#include "tessera/database.h"
#include "tessera/error.h"
#include "tessera/plugin_registry.h"
#include "tessera/query.h"
#include "tessera/row.h"
#include "tessera/schema.h"
#include "tessera/transfer.h"
#include "tessera/value.h"
