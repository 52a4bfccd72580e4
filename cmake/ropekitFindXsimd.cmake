# Finds xsimd. Debian's xsimd 8 package declares its target as linking `xtl`
# (xsimd's optional xtl integration) even where xtl is not installed, which
# would become a bare `-lxtl`. ropekit does not use xtl: when no xtl target
# exists after looking for it, an empty imported one stands in.
if(NOT TARGET xsimd)
  find_package(xsimd REQUIRED)
endif()
if(TARGET xsimd AND NOT TARGET xtl)
  get_target_property(_ropekit_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
  if(_ropekit_xsimd_links MATCHES "(^|;)xtl(;|$)")
    find_package(xtl QUIET)
    if(NOT TARGET xtl)
      add_library(xtl INTERFACE IMPORTED)
    endif()
  endif()
endif()
