// MPI for Swift. Open MPI defines its predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) as macros
// that take the address of a global, and MPICH as integer constants; Swift imports neither kind of macro, so
// these inline functions return them. The library itself is linked through pkg-config (`mpi`).
#pragma once
#include <mpi.h>

static inline MPI_Comm dispo_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm dispo_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype dispo_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype dispo_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype dispo_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype dispo_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op dispo_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op dispo_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op dispo_mpi_min(void) { return MPI_MIN; }
static inline void *dispo_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int dispo_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int dispo_mpi_max_library_version_string(void) { return MPI_MAX_LIBRARY_VERSION_STRING; }
static inline MPI_Status *dispo_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
