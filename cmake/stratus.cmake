# Helper functions: warnings, sanitizers, one static library per service.

add_compile_options(-Wall -Wextra -Wno-unused-parameter)

if(STRATUS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

set(STRATUS_SERVICE_LIBS "" CACHE INTERNAL "")

# stratus_add_service(name sources...): a static library stratus_svc_<name> that the binary
# links explicitly (see src/services/registry.cc).
function(stratus_add_service name)
  add_library(stratus_svc_${name} STATIC ${ARGN})
  target_link_libraries(stratus_svc_${name} PUBLIC stratus_aws)
  set(STRATUS_SERVICE_LIBS ${STRATUS_SERVICE_LIBS} stratus_svc_${name} CACHE INTERNAL "")
endfunction()
